/**
 * The wallet bridge's wire format (docs/wallet-bridge.md): JSON-RPC 2.0 objects carried by
 * `postMessage`. This module only encodes, decodes and validates; it does no I/O.
 */

/** The bridge protocol version this SDK speaks (`major.minor`). */
export const PROTOCOL_VERSION = "1.0";
/** Host answers must share this major version. */
export const PROTOCOL_MAJOR = 1;
/** Messages larger than this (characters of their JSON) are ignored, never parsed further. */
export const MAX_MESSAGE_CHARS = 1024 * 1024;

/** Methods of the bridge itself (the EIP-1193 methods travel under their own names). */
export const Method = {
  Handshake: "chainless_handshake",
  Authorize: "chainless_authorize",
  Forwarder: "chainless_forwarder",
  /** Notification from the host: an interactive request is on screen, use the longer timeout. */
  Ack: "chainless_ack",
  /** Notification from the host: a host event (`accountsChanged`, `visibility`, …). */
  Event: "chainless_event",
} as const;

export type JsonRpcId = string;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: JsonRpcId;
  method: string;
  params?: unknown;
}

export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: unknown;
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export type JsonRpcResponse =
  | { jsonrpc: "2.0"; id: JsonRpcId; result: unknown }
  | { jsonrpc: "2.0"; id: JsonRpcId; error: JsonRpcErrorObject };

/** What the host may send the SDK. */
export type HostMessage = JsonRpcResponse | JsonRpcNotification;

/** Why an incoming message was dropped (each reason has a counter). */
export type DropReason = "origin" | "malformed" | "oversized" | "unknownId";

export function request(id: JsonRpcId, method: string, params?: unknown): JsonRpcRequest {
  return params === undefined ? { jsonrpc: "2.0", id, method } : { jsonrpc: "2.0", id, method, params };
}

/**
 * Read one incoming message: a structured-cloned object (iframe channel) or a JSON string
 * (injected channel). Anything that is not a JSON-RPC 2.0 response or notification, or is larger
 * than {@link MAX_MESSAGE_CHARS}, is refused with the reason.
 */
export function decode(raw: unknown): HostMessage | DropReason {
  let value: unknown = raw;
  if (typeof raw === "string") {
    if (raw.length > MAX_MESSAGE_CHARS) return "oversized";
    try {
      value = JSON.parse(raw);
    } catch {
      return "malformed";
    }
  } else {
    if (typeof raw !== "object" || raw === null) return "malformed";
    let size: number;
    try {
      size = JSON.stringify(raw).length;
    } catch {
      return "malformed";
    }
    if (size > MAX_MESSAGE_CHARS) return "oversized";
  }
  return isHostMessage(value) ? value : "malformed";
}

function isHostMessage(value: unknown): value is HostMessage {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== "2.0") return false;
  if ("method" in m) return typeof m.method === "string" && !("id" in m);
  if (typeof m.id !== "string") return false;
  const hasResult = "result" in m;
  const hasError = "error" in m;
  if (hasResult === hasError) return false;
  if (hasError) {
    const e = m.error as Record<string, unknown> | null;
    return typeof e === "object" && e !== null && typeof e.code === "number" && typeof e.message === "string";
  }
  return true;
}

/** `true` when the host's `major.minor` version is one this SDK can talk to. */
export function compatibleVersion(version: unknown): boolean {
  if (typeof version !== "string") return false;
  const match = /^(\d+)\.(\d+)$/.exec(version);
  return match !== null && Number(match[1]) === PROTOCOL_MAJOR;
}
