import { describe, expect, it } from "vitest";
import { BridgeHost, METHODS, type HostDeps, type Interaction } from "./host.js";
import { readRequest } from "./protocol.js";
import { decide } from "./rules.js";
import { formatEth, signedText } from "./format.js";

const A = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const B = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

function host(answers: boolean[] = []) {
  const posted: Array<Record<string, unknown>> = [];
  const asked: Interaction[] = [];
  const rpcCalls: Array<[string, unknown]> = [];
  let account = A;
  const deps: HostDeps = {
    config: {
      host: { name: "chainless-sandbox", version: "0.1.0" },
      protocol: "1.0",
      appId: "sandbox",
      appUrl: "http://127.0.0.1:9/",
      appOrigin: "http://127.0.0.1:9",
      project: "p",
      chainId: "0x7a69",
      accounts: [A, B],
      forwarder: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    },
    post: (message) => posted.push(message as Record<string, unknown>),
    rpc: async (method, params) => {
      rpcCalls.push([method, params]);
      return method === "eth_sendTransaction" ? "0xhash" : "0x1";
    },
    preview: async () => null,
    ask: async (interaction) => {
      asked.push(interaction);
      return answers.shift() ?? false;
    },
    account: () => account,
  };
  const bridge = new BridgeHost(deps);
  const call = async (method: string, params?: unknown) => {
    const id = `cl-t-${posted.length}`;
    await bridge.handle({ jsonrpc: "2.0", id, method, params });
    return posted.find((m) => m.id === id) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
  };
  return { bridge, call, posted, asked, rpcCalls, switchTo: (a: string) => ((account = a), bridge.accountChanged(a)) };
}

describe("the bridge host", () => {
  it("answers the handshake with its version and methods, never eth_sign", async () => {
    const { call } = host();
    const answer = await call("chainless_handshake", { protocol: "1.0", sdk: "0.1.0" });
    expect(answer.result).toMatchObject({ protocol: "1.0", appId: "sandbox", chainId: "0x7a69", methods: METHODS });
    expect(METHODS).not.toContain("eth_sign");
  });

  it("refuses another major version, then every request of that page, with 4801", async () => {
    const { call } = host();
    expect((await call("chainless_handshake", { protocol: "2.0" })).error).toMatchObject({ code: 4801, data: { supported: ["1.0"] } });
    expect((await call("eth_chainId")).error?.code).toBe(4801);
    await call("chainless_handshake", { protocol: "1.1" }); // the next page speaks 1.x
    expect((await call("eth_chainId")).result).toBe("0x7a69");
  });

  it("shows no accounts until connected, acks the dialog, then emits connect", async () => {
    const { call, posted } = host([true]);
    expect((await call("eth_accounts")).result).toEqual([]);
    expect((await call("eth_requestAccounts")).result).toEqual([A]);
    expect(posted.some((m) => m.method === "chainless_ack")).toBe(true);
    expect(posted.some((m) => m.method === "chainless_event" && (m.params as { type: string }).type === "connect")).toBe(true);
    expect((await call("eth_accounts")).result).toEqual([A]);
    await call("chainless_handshake", { protocol: "1.0" }); // a new page: not connected
    expect((await call("eth_accounts")).result).toEqual([]);
  });

  it("answers a rejected dialog with 4001 and a foreign sender with 4100", async () => {
    const { call, asked, rpcCalls } = host([true, false]);
    await call("eth_requestAccounts");
    const rejected = await call("eth_sendTransaction", [{ from: A, to: B, value: "0x1" }]);
    expect(rejected.error?.code).toBe(4001);
    expect(asked[1]?.kind).toBe("transaction");
    expect((await call("eth_sendTransaction", [{ from: B, to: A }])).error?.code).toBe(4100);
    expect(rpcCalls.filter(([m]) => m === "eth_sendTransaction")).toEqual([]);
  });

  it("sends an approved transaction through the node from the current account", async () => {
    const { call, rpcCalls } = host([true, true]);
    await call("eth_requestAccounts");
    expect((await call("eth_sendTransaction", [{ to: B, value: "0x10" }])).result).toBe("0xhash");
    expect(rpcCalls).toContainEqual(["eth_sendTransaction", [{ from: A, to: B, value: "0x10" }]]);
  });

  it("tells a connected app about the new account", async () => {
    const { call, posted, switchTo } = host([true]);
    await call("eth_requestAccounts");
    switchTo(B);
    const last = posted[posted.length - 1];
    expect(last).toEqual({ jsonrpc: "2.0", method: "chainless_event", params: { type: "accountsChanged", data: [B] } });
  });

  it("refuses unknown chains, unknown methods and bad typed data with their codes", async () => {
    const { call } = host([true]);
    expect((await call("wallet_switchEthereumChain", [{ chainId: "0x1" }])).error?.code).toBe(4902);
    expect((await call("wallet_switchEthereumChain", [{ chainId: "0x7a69" }])).result).toBeNull();
    expect((await call("eth_sign", [A, "0x00"])).error?.code).toBe(4200);
    await call("eth_requestAccounts");
    expect((await call("eth_signTypedData_v4", [A, "{nope"])).error?.code).toBe(-32602);
    expect((await call("chainless_forwarder")).result).toEqual({ address: "0x5FbDB2315678afecb367f032d93F642f64180aa3", chainId: "0x7a69" });
  });
});

describe("incoming messages", () => {
  it("takes requests and drops the rest with a reason", () => {
    expect(readRequest({ jsonrpc: "2.0", id: "cl-1", method: "eth_chainId" })).toMatchObject({ method: "eth_chainId" });
    expect(readRequest(JSON.stringify({ jsonrpc: "2.0", id: "cl-1", method: "eth_chainId" }))).toMatchObject({ id: "cl-1" });
    expect(readRequest({ jsonrpc: "2.0", id: 1, method: "x" })).toBe("malformed");
    expect(readRequest([{ jsonrpc: "2.0", id: "a", method: "x" }])).toBe("malformed");
    expect(readRequest({ jsonrpc: "2.0", id: "a", method: "x", result: 1 })).toBe("malformed");
    expect(readRequest("{")).toBe("malformed");
    expect(readRequest("x".repeat(1024 * 1024 + 1))).toBe("oversized");
  });
});

describe("rules and formats", () => {
  it("lets the contract method win over the bridge method and the default", () => {
    const rules = { default: "reject" as const, methods: { eth_sendTransaction: "manual" as const, transfer: "approve" as const } };
    expect(decide(rules, "eth_sendTransaction", "transfer")).toBe("approve");
    expect(decide(rules, "eth_sendTransaction", "mint")).toBe("manual");
    expect(decide(rules, "personal_sign")).toBe("reject");
    expect(decide(rules, "constructor")).toBe("reject");
  });

  it("shows ETH and signed text readably", () => {
    expect(formatEth(10n ** 18n / 2n)).toBe("0.5 ETH");
    expect(formatEth("0x0")).toBe("0 ETH");
    expect(signedText("0x68656c6c6f")).toBe("hello");
    expect(signedText("0x0001")).toBe("0x0001");
  });
});
