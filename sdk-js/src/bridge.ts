/**
 * The SDK's end of the wallet bridge: request ids, pending calls, timeouts, the handshake and
 * host notifications, over one {@link Transport}. Every call settles: with the host's answer, or
 * with a {@link ChainlessError} (`Timeout`, `Closed`, `ProtocolVersion`, …) — never silence.
 */
import { ChainlessError, ErrorCode, fromRpcError } from "./errors.js";
import {
  Method,
  PROTOCOL_VERSION,
  compatibleVersion,
  decode,
  request,
  type DropReason,
  type HostMessage,
} from "./protocol.js";
import type { Transport } from "./transport.js";

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_INTERACTION_TIMEOUT_MS = 300_000;
export const SDK_VERSION = "0.1.0";

/** What the host's handshake tells the SDK (docs/wallet-bridge.md, `chainless_handshake`). */
export interface HostInfo {
  protocol: string;
  host: { name: string; version: string };
  methods: string[];
  appId?: string;
  chainId?: string;
  issuer?: string;
}

export interface CallOptions {
  /** Milliseconds until the host's first sign of life (answer or ack); default 10 s. */
  timeout?: number;
  /** Milliseconds a call the host acknowledged as interactive may take; default 5 min. */
  interactionTimeout?: number;
}

export type DropCounts = Record<DropReason, number>;

interface Pending {
  resolve(value: unknown): void;
  reject(error: ChainlessError): void;
  timer: ReturnType<typeof setTimeout>;
  interactionTimeout: number;
  method: string;
}

export class Bridge {
  readonly dropped: DropCounts = { origin: 0, malformed: 0, oversized: 0, unknownId: 0 };
  private readonly pending = new Map<string, Pending>();
  private readonly prefix = `cl-${Math.random().toString(36).slice(2, 10)}-`;
  private counter = 0;
  private readonly stop: () => void;
  private handshakeResult: Promise<HostInfo> | undefined;
  private listeners = new Set<(method: string, params: unknown) => void>();

  constructor(
    private readonly transport: Transport,
    private readonly defaults: Required<CallOptions> = {
      timeout: DEFAULT_TIMEOUT_MS,
      interactionTimeout: DEFAULT_INTERACTION_TIMEOUT_MS,
    },
  ) {
    this.stop = transport.listen(
      (data) => this.receive(data),
      () => this.dropped.origin++,
    );
  }

  /** Send `method` and wait for its answer, at most `timeout` (longer once the host acks). */
  call<T = unknown>(method: string, params?: unknown, options: CallOptions = {}): Promise<T> {
    const id = this.prefix + ++this.counter;
    const timeout = options.timeout ?? this.defaults.timeout;
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        resolve: resolve as (value: unknown) => void,
        reject,
        method,
        interactionTimeout: options.interactionTimeout ?? this.defaults.interactionTimeout,
        timer: this.expireAfter(id, method, timeout),
      };
      this.pending.set(id, entry);
      try {
        this.transport.send(request(id, method, params));
      } catch (error) {
        this.settle(id)?.reject(
          error instanceof ChainlessError
            ? error
            : new ChainlessError(ErrorCode.Disconnected, `cannot reach the host: ${String(error)}`),
        );
      }
    });
  }

  /**
   * `chainless_handshake`, once per bridge: the host's protocol version and methods. A host
   * whose major version differs rejects with `ProtocolVersion` naming both versions.
   */
  handshake(options: CallOptions = {}): Promise<HostInfo> {
    this.handshakeResult ??= this.call<HostInfo>(
      Method.Handshake,
      { protocol: PROTOCOL_VERSION, sdk: SDK_VERSION },
      options,
    ).then((info) => {
      if (!info || typeof info !== "object" || !compatibleVersion(info.protocol)) {
        const version = info && typeof info === "object" ? String(info.protocol) : "none";
        throw new ChainlessError(
          ErrorCode.ProtocolVersion,
          `the host speaks bridge protocol ${version}; this SDK speaks ${PROTOCOL_VERSION}: update the SDK or the wallet`,
          { host: version, sdk: PROTOCOL_VERSION },
        );
      }
      if (!Array.isArray(info.methods)) info.methods = [];
      return info;
    });
    this.handshakeResult.catch(() => (this.handshakeResult = undefined));
    return this.handshakeResult;
  }

  /** Subscribe to host notifications other than acks. */
  onNotification(listener: (method: string, params: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stop listening; every pending call rejects with `Closed`. */
  close(): void {
    this.stop();
    for (const id of [...this.pending.keys()]) {
      this.settle(id)?.reject(new ChainlessError(ErrorCode.Closed, "the SDK was closed"));
    }
    this.listeners.clear();
  }

  private receive(data: unknown): void {
    const message = decode(data);
    if (typeof message === "string") {
      this.dropped[message]++;
      return;
    }
    if ("method" in message) this.notification(message.method, message.params);
    else this.answer(message);
  }

  private answer(message: Exclude<HostMessage, { method: string }>): void {
    const entry = this.settle(message.id);
    if (!entry) {
      this.dropped.unknownId++;
      return;
    }
    if ("error" in message) entry.reject(fromRpcError(message.error));
    else entry.resolve(message.result);
  }

  private notification(method: string, params: unknown): void {
    if (method === Method.Ack) {
      const id = (params as { id?: unknown } | undefined)?.id;
      const entry = typeof id === "string" ? this.pending.get(id) : undefined;
      if (!entry) return void this.dropped.unknownId++;
      clearTimeout(entry.timer);
      entry.timer = this.expireAfter(id as string, entry.method, entry.interactionTimeout);
      return;
    }
    for (const listener of this.listeners) listener(method, params);
  }

  private expireAfter(id: string, method: string, ms: number): ReturnType<typeof setTimeout> {
    return setTimeout(() => {
      this.settle(id)?.reject(
        new ChainlessError(ErrorCode.Timeout, `the host did not answer ${method} within ${ms} ms`, { method, ms }),
      );
    }, ms);
  }

  private settle(id: string): Pending | undefined {
    const entry = this.pending.get(id);
    if (entry) {
      clearTimeout(entry.timer);
      this.pending.delete(id);
    }
    return entry;
  }
}
