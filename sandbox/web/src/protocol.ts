/**
 * The host's end of the wallet bridge's wire format (docs/wallet-bridge.md, "Messages"):
 * requests from the app are read and checked here; anything else is dropped with a reason and
 * counted, never answered.
 */

export const PROTOCOL_VERSION = "1.0";
export const PROTOCOL_MAJOR = 1;
export const MAX_MESSAGE_CHARS = 1024 * 1024;

export interface BridgeRequest {
  jsonrpc: "2.0";
  id: string;
  method: string;
  params?: unknown;
}

export type DropReason = "origin" | "malformed" | "oversized";
export type DropCounts = Record<DropReason, number>;

export const newDropCounts = (): DropCounts => ({ origin: 0, malformed: 0, oversized: 0 });

/** A request from the app, or why it is dropped (structured-cloned object or JSON string). */
export function readRequest(raw: unknown): BridgeRequest | DropReason {
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
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "malformed";
  const m = value as Record<string, unknown>;
  if (m.jsonrpc !== "2.0" || typeof m.id !== "string" || typeof m.method !== "string") return "malformed";
  if ("result" in m || "error" in m) return "malformed";
  return m as unknown as BridgeRequest;
}

/** The major version of a `major.minor` string, or undefined. */
export function majorOf(version: unknown): number | undefined {
  if (typeof version !== "string") return undefined;
  const match = /^(\d+)\.(\d+)$/.exec(version);
  return match ? Number(match[1]) : undefined;
}

/** Error codes the host answers with (docs/wallet-bridge.md, "Errors"). */
export const Code = {
  UserRejected: 4001,
  Unauthorized: 4100,
  UnsupportedMethod: 4200,
  Disconnected: 4900,
  UnrecognizedChain: 4902,
  ProtocolVersion: 4801,
  InvalidParams: -32602,
  Internal: -32603,
} as const;

/** An error the host answers a request with. */
export class HostError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  toJSON(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export const response = (id: string, result: unknown) => ({ jsonrpc: "2.0" as const, id, result });
export const errorResponse = (id: string, error: HostError) => ({ jsonrpc: "2.0" as const, id, error: error.toJSON() });
export const notification = (method: string, params: unknown) => ({ jsonrpc: "2.0" as const, method, params });
