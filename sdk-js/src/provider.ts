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

/** EIP-6963 provider information. */
export interface ProviderInfo {
  uuid: string;
  name: string;
  icon: string;
  rdns: string;
}

export const PROVIDER_INFO: Omit<ProviderInfo, "uuid"> = {
  name: "Chainless",
  rdns: "example.chainless",
  icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='8' fill='%23111'/%3E%3Cpath d='M10 16h12' stroke='%23fff' stroke-width='4' stroke-linecap='round'/%3E%3C/svg%3E",
};

/**
 * EIP-6963: dispatch `eip6963:announceProvider` now and on every `eip6963:requestProvider`.
 * Returns the function that stops answering.
 */
export function announceProvider(provider: ChainlessProvider, target: EventTarget = window): () => void {
  const detail = Object.freeze({
    info: Object.freeze({ ...PROVIDER_INFO, uuid: crypto.randomUUID() }),
    provider,
  });
  const announce = (): void => {
    target.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
  };
  announce();
  target.addEventListener("eip6963:requestProvider", announce);
  return () => target.removeEventListener("eip6963:requestProvider", announce);
}
