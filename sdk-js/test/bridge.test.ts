import { afterEach, describe, expect, it, vi } from "vitest";
import { Bridge } from "../src/bridge.js";
import { createChainless } from "../src/client.js";
import { ChainlessError, ErrorCode } from "../src/errors.js";
import { FakeHost, HOST_ORIGIN } from "./host.js";

afterEach(() => vi.useRealTimers());

async function rejection(promise: Promise<unknown>): Promise<ChainlessError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ChainlessError);
  return error as ChainlessError;
}

describe("requests", () => {
  it("posts to the host's origin only, never '*', and matches answers by id", async () => {
    const host = new FakeHost();
    host.handlers.set("eth_chainId", () => "0x7a69");
    const bridge = new Bridge(host.transport);
    const [a, b] = await Promise.all([bridge.call("eth_chainId"), bridge.call("eth_chainId")]);
    expect([a, b]).toEqual(["0x7a69", "0x7a69"]);
    expect(host.received.map((r) => r.targetOrigin)).toEqual([HOST_ORIGIN, HOST_ORIGIN]);
    const ids = host.received.map((r) => r.message.id);
    expect(new Set(ids).size).toBe(2);
    bridge.close();
  });

  it("turns a host error into a ChainlessError with its EIP-1193 code", async () => {
    const host = new FakeHost();
    host.handlers.set("personal_sign", () => {
      throw { code: 4001, message: "User rejected the request." };
    });
    const bridge = new Bridge(host.transport);
    const error = await rejection(bridge.call("personal_sign", ["0x00", "0x01"]));
    expect(error.code).toBe(ErrorCode.UserRejected);
    bridge.close();
  });
});

describe("never hangs", () => {
  it("rejects with a Timeout error after 10 s by default", async () => {
    vi.useFakeTimers();
    const host = new FakeHost();
    host.answering = false;
    const bridge = new Bridge(host.transport);
    const pending = rejection(bridge.call("eth_chainId"));
    await vi.advanceTimersByTimeAsync(9_999);
    let settled = false;
    void pending.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const error = await pending;
    expect(error.code).toBe(ErrorCode.Timeout);
    expect(error.message).toContain("eth_chainId");
  });

  it("honours a configured timeout", async () => {
    vi.useFakeTimers();
    const host = new FakeHost();
    host.answering = false;
    const sdk = createChainless({ appId: "app_1", transport: host.transport, timeout: 2_000, announce: false });
    const pending = rejection(sdk.handshake());
    await vi.advanceTimersByTimeAsync(2_000);
    expect((await pending).code).toBe(ErrorCode.Timeout);
    sdk.close();
  });

  it("gives an interactive request the long timeout once the host acknowledges it", async () => {
    vi.useFakeTimers();
    const host = new FakeHost();
    host.answering = false;
    const bridge = new Bridge(host.transport, { timeout: 1_000, interactionTimeout: 60_000 });
    const pending = bridge.call("personal_sign", []);
    host.notify("chainless_ack", { id: host.received[0]!.message.id });
    await vi.advanceTimersByTimeAsync(30_000);
    host.post({ jsonrpc: "2.0", id: host.received[0]!.message.id, result: "0xsig" });
    await expect(pending).resolves.toBe("0xsig");
  });

  it("isInWallet() resolves false at once in a top-level page", async () => {
    const sdk = createChainless({ appId: "app_1", announce: false });
    const started = Date.now();
    await expect(sdk.isInWallet()).resolves.toBe(false);
    expect(Date.now() - started).toBeLessThan(50);
    await expect(rejection(sdk.handshake())).resolves.toMatchObject({ code: ErrorCode.NoHost });
    sdk.close();
  });

  it("isInWallet() resolves false within 1 s under a parent that never answers", async () => {
    vi.useFakeTimers();
    const host = new FakeHost();
    host.answering = false;
    const sdk = createChainless({ appId: "app_1", transport: host.transport, announce: false });
    const answer = sdk.isInWallet();
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(answer).resolves.toBe(false);
    sdk.close();
  });

  it("isInWallet() resolves true under a host", async () => {
    const host = new FakeHost();
    const sdk = createChainless({ appId: "app_1", transport: host.transport, announce: false });
    await expect(sdk.isInWallet()).resolves.toBe(true);
    sdk.close();
  });

  it("close() rejects what is pending", async () => {
    const host = new FakeHost();
    host.answering = false;
    const bridge = new Bridge(host.transport);
    const pending = rejection(bridge.call("eth_chainId"));
    bridge.close();
    expect((await pending).code).toBe(ErrorCode.Closed);
  });
});

describe("what is ignored, and counted", () => {
  it("ignores answers from another origin or another window", async () => {
    vi.useFakeTimers();
    const host = new FakeHost();
    host.answering = false;
    const bridge = new Bridge(host.transport, { timeout: 1_000, interactionTimeout: 1_000 });
    const pending = rejection(bridge.call("eth_requestAccounts"));
    const id = host.received[0]!.message.id;
    const forged = { jsonrpc: "2.0", id, result: ["0xattacker"] };
    host.post(forged, "https://evil.test");
    host.post(forged, HOST_ORIGIN, null);
    expect(bridge.dropped.origin).toBe(2);
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await pending).code).toBe(ErrorCode.Timeout);
  });

  it("ignores malformed, oversized and unknown-id messages and still takes the real answer", async () => {
    const host = new FakeHost();
    host.answering = false;
    const bridge = new Bridge(host.transport);
    const pending = bridge.call("eth_chainId");
    const id = host.received[0]!.message.id;
    host.post("{not json");
    host.post({ jsonrpc: "1.0", id, result: "0xbad" });
    host.post({ jsonrpc: "2.0", id, result: "x".repeat(1024 * 1024 + 1) });
    host.post({ jsonrpc: "2.0", id: "someone-else", result: "0xbad" });
    host.post({ jsonrpc: "2.0", id, result: "0x1" });
    await expect(pending).resolves.toBe("0x1");
    expect(bridge.dropped).toEqual({ origin: 0, malformed: 2, oversized: 1, unknownId: 1 });
    bridge.close();
  });
});

describe("handshake", () => {
  it("returns the host's version and methods", async () => {
    const host = new FakeHost();
    const bridge = new Bridge(host.transport);
    const info = await bridge.handshake();
    expect(info.protocol).toBe("1.0");
    expect(info.methods).toContain("eth_requestAccounts");
    expect(host.received[0]!.message.params).toMatchObject({ protocol: "1.0" });
    bridge.close();
  });

  it("a host of another major version gets a clear error, not silence", async () => {
    const host = new FakeHost({ protocol: "2.0" });
    const bridge = new Bridge(host.transport);
    const error = await rejection(bridge.handshake());
    expect(error.code).toBe(ErrorCode.ProtocolVersion);
    expect(error.message).toContain("2.0");
    expect(error.data).toEqual({ host: "2.0", sdk: "1.0" });
    bridge.close();
  });

  it("a host that refuses our version is reported with its code", async () => {
    const host = new FakeHost();
    host.handlers.set("chainless_handshake", () => {
      throw { code: ErrorCode.ProtocolVersion, message: "host speaks 3.x only" };
    });
    const bridge = new Bridge(host.transport);
    expect((await rejection(bridge.handshake())).code).toBe(ErrorCode.ProtocolVersion);
    bridge.close();
  });
});

describe("the injected channel", () => {
  it("sends JSON strings to ReactNativeWebView and reads the page's own message events", async () => {
    const { injectedTransport } = await import("../src/transport.js");
    const sent: string[] = [];
    const transport = injectedTransport({ channel: { postMessage: (m) => sent.push(m) }, pageOrigin: location.origin });
    const bridge = new Bridge(transport);
    const pending = bridge.call("eth_chainId");
    const { id } = JSON.parse(sent[0]!) as { id: string };
    window.dispatchEvent(new MessageEvent("message", { data: JSON.stringify({ jsonrpc: "2.0", id, result: "0x1" }), origin: "https://evil.test" }));
    expect(bridge.dropped.origin).toBe(1);
    window.dispatchEvent(new MessageEvent("message", { data: JSON.stringify({ jsonrpc: "2.0", id, result: "0x1" }), origin: location.origin }));
    await expect(pending).resolves.toBe("0x1");
    bridge.close();
  });
});
