/**
 * One error type for everything the SDK rejects with, carrying a numeric `code` the way
 * EIP-1193 ("Provider Errors") and JSON-RPC 2.0 (§5.1) do, so wallet libraries (viem, ethers,
 * wagmi) that switch on `error.code` understand it unchanged.
 *
 * Codes: EIP-1193 4001/4100/4200/4900/4901, EIP-3326 4902, JSON-RPC -32700…-32603, and the
 * Chainless range 4800–4899 (docs/wallet-bridge.md, "Errors").
 */

/** Every code the SDK or a host may answer with. */
export const ErrorCode = {
  /** EIP-1193: the user rejected the request. */
  UserRejected: 4001,
  /** EIP-1193: the method or account has not been authorized by the user. */
  Unauthorized: 4100,
  /** EIP-1193: the host does not support the method. */
  UnsupportedMethod: 4200,
  /** EIP-1193: the host is not connected to any chain. */
  Disconnected: 4900,
  /** EIP-1193: the host is not connected to the requested chain. */
  ChainDisconnected: 4901,
  /** EIP-3326: `wallet_switchEthereumChain` to a chain the host does not know. */
  UnrecognizedChain: 4902,
  /** No answer within the call's timeout. */
  Timeout: 4800,
  /** The host speaks a bridge protocol major version this SDK does not. */
  ProtocolVersion: 4801,
  /** Not running inside a Chainless host (no parent frame, no injected channel). */
  NoHost: 4802,
  /** The `state` that came back from the authorization is not the one sent (RFC 6749 §10.12). */
  StateMismatch: 4803,
  /** Storage quota of the app reached. */
  StorageQuota: 4804,
  /** Storage not available or the value cannot be stored. */
  StorageUnavailable: 4805,
  /** The token endpoint refused (`data.error` holds the RFC 6749 §5.2 code). */
  TokenError: 4806,
  /** No (valid) tokens held: log in first. */
  NotLoggedIn: 4807,
  /** The extended (personal data) scopes were not confirmed a second time. */
  ExtendedNotConfirmed: 4808,
  /** The SDK was destroyed while the call was pending. */
  Closed: 4809,
  /** JSON-RPC 2.0: invalid JSON. */
  ParseError: -32700,
  /** JSON-RPC 2.0: not a valid request object. */
  InvalidRequest: -32600,
  /** JSON-RPC 2.0: method not found. */
  MethodNotFound: -32601,
  /** JSON-RPC 2.0: invalid method parameters. */
  InvalidParams: -32602,
  /** JSON-RPC 2.0: internal error. */
  Internal: -32603,
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The error every SDK promise rejects with; shaped like an EIP-1193 `ProviderRpcError`. */
export class ChainlessError extends Error {
  override readonly name = "ChainlessError";
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

/** A JSON-RPC error object (JSON-RPC 2.0 §5.1) turned into a {@link ChainlessError}. */
export function fromRpcError(error: { code?: unknown; message?: unknown; data?: unknown }): ChainlessError {
  const code = typeof error.code === "number" && Number.isInteger(error.code) ? error.code : ErrorCode.Internal;
  const message = typeof error.message === "string" ? error.message : "the host answered with an error";
  return new ChainlessError(code, message, error.data);
}
