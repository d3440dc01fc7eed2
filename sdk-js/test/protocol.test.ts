import { describe, expect, it } from "vitest";
import { MAX_MESSAGE_CHARS, compatibleVersion, decode, request } from "../src/protocol.js";

describe("encoding", () => {
  it("writes JSON-RPC 2.0 requests with string ids", () => {
    expect(request("cl-1", "eth_chainId")).toEqual({ jsonrpc: "2.0", id: "cl-1", method: "eth_chainId" });
    expect(request("cl-2", "personal_sign", ["0x01", "0xabc"])).toEqual({
      jsonrpc: "2.0",
      id: "cl-2",
      method: "personal_sign",
      params: ["0x01", "0xabc"],
    });
  });

  it("reads responses, errors and notifications, as objects or JSON strings", () => {
    const ok = { jsonrpc: "2.0", id: "a", result: "0x1" };
    expect(decode(ok)).toEqual(ok);
    expect(decode(JSON.stringify(ok))).toEqual(ok);
    const err = { jsonrpc: "2.0", id: "a", error: { code: 4001, message: "no" } };
    expect(decode(err)).toEqual(err);
    const note = { jsonrpc: "2.0", method: "chainless_event", params: { type: "network" } };
    expect(decode(note)).toEqual(note);
  });
});

describe("malformed messages", () => {
  it.each([
    ["not JSON", "{oops"],
    ["a number", 42],
    ["null", null],
    ["an array (batch)", [{ jsonrpc: "2.0", id: "a", result: 1 }]],
    ["JSON-RPC 1.0", { id: "a", result: 1 }],
    ["a numeric id", { jsonrpc: "2.0", id: 1, result: 1 }],
    ["result and error", { jsonrpc: "2.0", id: "a", result: 1, error: { code: 1, message: "x" } }],
    ["neither result nor error", { jsonrpc: "2.0", id: "a" }],
    ["an error without code", { jsonrpc: "2.0", id: "a", error: { message: "x" } }],
    ["a notification with id", { jsonrpc: "2.0", id: "a", method: "x" }],
  ])("refuses %s", (_, raw) => {
    expect(decode(raw)).toBe("malformed");
  });

  it("refuses oversized strings and objects", () => {
    const big = "x".repeat(MAX_MESSAGE_CHARS);
    expect(decode(JSON.stringify({ jsonrpc: "2.0", id: "a", result: big }))).toBe("oversized");
    expect(decode({ jsonrpc: "2.0", id: "a", result: big })).toBe("oversized");
  });
});

describe("versions", () => {
  it("accepts the same major version only", () => {
    expect(compatibleVersion("1.0")).toBe(true);
    expect(compatibleVersion("1.7")).toBe(true);
    expect(compatibleVersion("2.0")).toBe(false);
    expect(compatibleVersion("1")).toBe(false);
    expect(compatibleVersion(1)).toBe(false);
  });
});
