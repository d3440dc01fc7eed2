/**
 * An EIP-1193 provider over the wallet bridge, announced with EIP-6963 so viem, ethers and wagmi
 * find and use it unchanged. Signing methods are shown to the user by the host; read methods
 * (`eth_call`, `eth_getBalance`, …) are answered from the host's RPC node.
 */
import type { Bridge, CallOptions } from "./bridge.js";
import { ChainlessError, ErrorCode } from "./errors.js";
import { Emitter, type HostEvents } from "./events.js";

export interface RequestArguments {
  readonly method: string;
  readonly params?: readonly unknown[] | object;
}

export type ProviderEvent = "accountsChanged" | "chainChanged" | "connect" | "disconnect" | "message";

/** The provider apps hand to viem (`custom(sdk.provider)`), ethers (`BrowserProvider`) or wagmi. */
export class ChainlessProvider {
  /** Some libraries look for a flag; this is ours. */
  readonly isChainless = true;
  private readonly emitter = new Emitter<Record<ProviderEvent, unknown>>();
  private readonly unlisten: Array<() => void> = [];

  constructor(
    private readonly bridge: Bridge,
    private readonly options: CallOptions = {},
    hostEvents?: Emitter<HostEvents>,
  ) {
    if (hostEvents) {
      for (const type of ["accountsChanged", "chainChanged", "connect", "disconnect"] as const) {
        this.unlisten.push(hostEvents.on(type, (payload) => this.emitter.emit(type, payload)));
      }
    }
  }

  /** EIP-1193 `request`: rejects with a `ChainlessError` carrying an EIP-1193 / JSON-RPC code. */
  async request(args: RequestArguments): Promise<unknown> {
    if (!args || typeof args.method !== "string") {
      throw new ChainlessError(ErrorCode.InvalidRequest, "request needs { method, params? }");
    }
    const { method } = args;
    const host = await this.bridge.handshake(this.options);
    if (!host.methods.includes(method)) {
      throw new ChainlessError(ErrorCode.UnsupportedMethod, `the wallet does not support ${method}`, { method });
    }
    return this.bridge.call(method, args.params ?? [], this.options);
  }

  on(event: ProviderEvent, listener: (payload: never) => void): this {
    this.emitter.on(event, listener as (payload: unknown) => void);
    return this;
  }

  removeListener(event: ProviderEvent, listener: (payload: never) => void): this {
    this.emitter.off(event, listener as (payload: unknown) => void);
    return this;
  }

  close(): void {
    for (const stop of this.unlisten) stop();
    this.emitter.clear();
  }
}

/** EIP-6963 provider information (`EIP6963ProviderInfo`). */
export interface ProviderInfo {
  /** A UUIDv4, new for each page load (each SDK instance), the same in every announcement. */
  uuid: string;
  name: string;
  /** An RFC 2397 data URI of a square image, at least 96×96 (EIP-6963). */
  icon: string;
  /** The wallet's reverse-DNS id, stable across versions (docs/wallet-bridge.md, "EIP-6963"). */
  rdns: string;
}

/** The reverse-DNS id the Chainless wallet announces (docs/wallet-bridge.md, "EIP-6963"). */
export const PROVIDER_RDNS = "com.chainless.wallet";

/** The Chainless mark: a 96×96 SVG (a chain link on a dark rounded square). */
const ICON_SVG =
  "<svg xmlns='http://www.w3.org/2000/svg' width='96' height='96' viewBox='0 0 96 96'>" +
  "<rect width='96' height='96' rx='22' fill='#111'/>" +
  "<g fill='none' stroke='#fff' stroke-width='9' stroke-linecap='round'>" +
  "<path d='M44 34h-8a14 14 0 0 0 0 28h8'/><path d='M52 34h8a14 14 0 0 1 0 28h-8'/><path d='M38 48h20'/>" +
  "</g></svg>";

export const PROVIDER_INFO: Omit<ProviderInfo, "uuid"> = Object.freeze({
  name: "Chainless",
  rdns: PROVIDER_RDNS,
  icon: "data:image/svg+xml," + encodeURIComponent(ICON_SVG),
});

/**
 * EIP-6963: dispatch `eip6963:announceProvider` now and on every `eip6963:requestProvider`.
 * `info` overrides the name, icon or rdns (a wallet of another brand embedding the SDK's host).
 * Returns the function that stops answering.
 */
export function announceProvider(
  provider: ChainlessProvider,
  target: EventTarget = window,
  info: Partial<Omit<ProviderInfo, "uuid">> = {},
): () => void {
  const detail = Object.freeze({
    info: Object.freeze({ ...PROVIDER_INFO, ...info, uuid: uuidV4() }),
    provider,
  });
  const announce = (): void => {
    target.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
  };
  announce();
  target.addEventListener("eip6963:requestProvider", announce);
  return () => target.removeEventListener("eip6963:requestProvider", announce);
}

/** A random UUIDv4 (RFC 9562 §5.4); `crypto.randomUUID` exists only in secure contexts. */
export function uuidV4(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
