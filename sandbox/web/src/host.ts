/**
 * The sandbox as the wallet bridge's host (docs/wallet-bridge.md): the handshake, accounts and
 * chain id, `chainless_forwarder`, the dialogs for signing (acknowledged as soon as they show),
 * read methods passed to the sandbox's anvil, and host events. DOM-free: the page gives it a
 * way to post to the app, to call the node and to ask the person (or the rules).
 */
import { quantity } from "./format.js";
import {
  Code,
  HostError,
  PROTOCOL_MAJOR,
  PROTOCOL_VERSION,
  errorResponse,
  majorOf,
  notification,
  response,
  type BridgeRequest,
} from "./protocol.js";

export interface SandboxConfig {
  host: { name: string; version: string };
  protocol: string;
  appId: string;
  appUrl: string;
  appOrigin: string;
  project: string;
  chainId: string;
  accounts: string[];
  forwarder: string | null;
}

export interface Preview {
  to: string | null;
  toName: string | null;
  value: string;
  data: string;
  method: { contract: string; name: string; signature: string; args: Array<{ name: string; type: string; value: unknown }> } | null;
  gas: string | null;
  gasError: string | null;
  feePerGas: string;
  fee: string;
}

/** What the person (or a rule) is asked to approve. */
export type Interaction =
  | { kind: "connect"; method: string; account: string; appId: string }
  | { kind: "transaction"; method: string; account: string; tx: Record<string, unknown>; preview: Preview | null }
  | { kind: "sign"; method: string; account: string; message: string }
  | { kind: "typedData"; method: string; account: string; typedData: unknown };

export interface HostDeps {
  config: SandboxConfig;
  post(message: object): void;
  rpc(method: string, params: unknown): Promise<unknown>;
  preview(tx: Record<string, unknown>): Promise<Preview | null>;
  ask(interaction: Interaction): Promise<boolean>;
  account(): string;
  onCall?(entry: CallRecord): void;
  onTransaction?(hash: string, tx: Record<string, unknown>, preview: Preview | null): void;
}

export interface CallRecord {
  id: string;
  method: string;
  params: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
  ms: number;
  at: Date;
}

export const INTERACTIVE = new Set([
  "chainless_authorize",
  "eth_requestAccounts",
  "eth_sendTransaction",
  "personal_sign",
  "eth_signTypedData_v4",
  "wallet_switchEthereumChain",
]);

export const READ_METHODS = [
  "eth_call", "eth_estimateGas", "eth_getBalance", "eth_getCode", "eth_getStorageAt",
  "eth_getTransactionCount", "eth_getTransactionByHash", "eth_getTransactionReceipt",
  "eth_getBlockByNumber", "eth_getBlockByHash", "eth_getLogs", "eth_blockNumber",
  "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_feeHistory", "net_version",
];

/** Every method this host answers, as the handshake lists them (no `eth_sign`, ever). */
export const METHODS = [
  "chainless_handshake",
  "chainless_forwarder",
  "eth_requestAccounts",
  "eth_accounts",
  "eth_chainId",
  "eth_sendTransaction",
  "personal_sign",
  "eth_signTypedData_v4",
  "wallet_switchEthereumChain",
  ...READ_METHODS,
];

export class BridgeHost {
  /** Accounts this page may see (after `eth_requestAccounts` was approved). */
  private connected = false;
  /** Set when the page's handshake asked for another major version: everything is 4801. */
  private incompatible = false;

  constructor(private readonly deps: HostDeps) {}

  /**
   * A new page in the frame: nothing is connected any more. Called by every handshake (the
   * SDK's first request of a page); the frame's `load` event comes too late for that, after the
   * page's scripts may have connected already.
   */
  reset(): void {
    this.connected = false;
    this.incompatible = false;
  }

  /** The account switcher changed the account: tell a connected app (EIP-1193 accountsChanged). */
  accountChanged(address: string): void {
    if (this.connected) this.event("accountsChanged", [address]);
  }

  event(type: string, data: unknown): void {
    this.deps.post(notification("chainless_event", { type, data }));
  }

  /** Answer one (already origin-checked) request; every request gets exactly one answer. */
  async handle(request: BridgeRequest): Promise<void> {
    const started = performance.now();
    const record: CallRecord = { id: request.id, method: request.method, params: request.params, ms: 0, at: new Date() };
    try {
      const result = await this.dispatch(request);
      record.result = result;
      this.deps.post(response(request.id, result));
    } catch (error) {
      const failure = error instanceof HostError ? error : new HostError(Code.Internal, String(error));
      record.error = failure.toJSON();
      this.deps.post(errorResponse(request.id, failure));
    }
    record.ms = performance.now() - started;
    this.deps.onCall?.(record);
  }

  private async dispatch(request: BridgeRequest): Promise<unknown> {
    const { method } = request;
    if (method === "chainless_handshake") return this.handshake(request.params);
    if (this.incompatible) {
      throw new HostError(Code.ProtocolVersion, "this page asked for another bridge protocol", { supported: [PROTOCOL_VERSION] });
    }
    if (INTERACTIVE.has(method) && method !== "wallet_switchEthereumChain") {
      this.deps.post(notification("chainless_ack", { id: request.id }));
    }
    const params = Array.isArray(request.params) ? (request.params as unknown[]) : [];
    switch (method) {
      case "chainless_forwarder":
        return this.deps.config.forwarder ? { address: this.deps.config.forwarder, chainId: this.deps.config.chainId } : null;
      case "eth_chainId":
        return this.deps.config.chainId;
      case "eth_accounts":
        return this.connected ? [this.deps.account()] : [];
      case "eth_requestAccounts":
        return this.requestAccounts(method);
      case "eth_sendTransaction":
        return this.sendTransaction(method, params);
      case "personal_sign":
        return this.personalSign(method, params);
      case "eth_signTypedData_v4":
        return this.signTypedData(method, params);
      case "wallet_switchEthereumChain":
        return this.switchChain(params);
      case "chainless_authorize":
        throw new HostError(Code.UnsupportedMethod, "sign-in (chainless_authorize) is not in the sandbox yet");
      default:
        if (READ_METHODS.includes(method)) return this.node(method, request.params ?? []);
        throw new HostError(Code.UnsupportedMethod, `the sandbox does not support ${method}`, { method });
    }
  }

  private handshake(params: unknown): unknown {
    this.reset();
    const asked = (params as { protocol?: unknown } | undefined)?.protocol;
    if (majorOf(asked) !== PROTOCOL_MAJOR) {
      this.incompatible = true;
      throw new HostError(Code.ProtocolVersion, `the sandbox speaks bridge protocol ${PROTOCOL_VERSION}, not ${String(asked)}`, {
        supported: [PROTOCOL_VERSION],
      });
    }
    const { config } = this.deps;
    return {
      protocol: PROTOCOL_VERSION,
      host: config.host,
      methods: METHODS,
      appId: config.appId,
      chainId: config.chainId,
    };
  }

  private async requestAccounts(method: string): Promise<string[]> {
    const account = this.deps.account();
    if (this.connected) return [account];
    const approved = await this.deps.ask({ kind: "connect", method, account, appId: this.deps.config.appId });
    if (!approved) throw new HostError(Code.UserRejected, "the user rejected the request");
    this.connected = true;
    this.event("connect", { chainId: this.deps.config.chainId });
    return [account];
  }

  /** The address a signing request names must be the current, connected account (else 4100). */
  private signer(address: unknown): string {
    const account = this.deps.account();
    if (!this.connected) throw new HostError(Code.Unauthorized, "connect first (eth_requestAccounts)");
    if (address !== undefined && (typeof address !== "string" || address.toLowerCase() !== account.toLowerCase())) {
      throw new HostError(Code.Unauthorized, `${String(address)} is not the wallet's current account`);
    }
    return account;
  }

  private async sendTransaction(method: string, params: unknown[]): Promise<unknown> {
    const given = params[0];
    if (typeof given !== "object" || given === null) throw new HostError(Code.InvalidParams, "expected [{from, to, value?, data?}]");
    const tx = { ...(given as Record<string, unknown>) };
    const account = this.signer(tx.from);
    tx.from = account;
    try {
      for (const field of ["value", "gas", "maxFeePerGas", "maxPriorityFeePerGas", "nonce"]) quantity(tx[field]);
    } catch (error) {
      throw new HostError(Code.InvalidParams, String((error as Error).message));
    }
    const chainId = tx.chainId;
    if (chainId !== undefined && String(chainId).toLowerCase() !== this.deps.config.chainId) {
      throw new HostError(4901, `the transaction is for chain ${String(chainId)}; the sandbox is on ${this.deps.config.chainId}`);
    }
    const preview = await this.deps.preview(tx).catch(() => null);
    if (!(await this.deps.ask({ kind: "transaction", method, account, tx, preview }))) {
      throw new HostError(Code.UserRejected, "the user rejected the transaction");
    }
    const hash = await this.node("eth_sendTransaction", [tx]);
    this.deps.onTransaction?.(String(hash), tx, preview);
    return hash;
  }

  private async personalSign(method: string, params: unknown[]): Promise<unknown> {
    const [data, address] = params;
    if (typeof data !== "string") throw new HostError(Code.InvalidParams, "expected [dataHex, address]");
    const account = this.signer(address);
    if (!(await this.deps.ask({ kind: "sign", method, account, message: data }))) {
      throw new HostError(Code.UserRejected, "the user rejected the signature");
    }
    return this.node("personal_sign", [data, account]);
  }

  private async signTypedData(method: string, params: unknown[]): Promise<unknown> {
    const [address, json] = params;
    const account = this.signer(address);
    let typedData: unknown;
    try {
      typedData = typeof json === "string" ? JSON.parse(json) : json;
    } catch {
      throw new HostError(Code.InvalidParams, "the typed data is not JSON");
    }
    const shape = typedData as { types?: unknown; primaryType?: unknown; domain?: unknown; message?: unknown } | null;
    if (!shape || typeof shape.types !== "object" || typeof shape.primaryType !== "string" || typeof shape.message !== "object") {
      throw new HostError(Code.InvalidParams, "invalid typed data: types, primaryType, domain and message are needed");
    }
    if (!(await this.deps.ask({ kind: "typedData", method, account, typedData }))) {
      throw new HostError(Code.UserRejected, "the user rejected the signature");
    }
    return this.node("eth_signTypedData_v4", [account, typeof json === "string" ? json : JSON.stringify(json)]);
  }

  private switchChain(params: unknown[]): null {
    const chainId = (params[0] as { chainId?: unknown } | undefined)?.chainId;
    if (typeof chainId !== "string") throw new HostError(Code.InvalidParams, "expected [{chainId}]");
    if (BigInt(chainId) !== BigInt(this.deps.config.chainId)) {
      throw new HostError(Code.UnrecognizedChain, `the sandbox has only chain ${this.deps.config.chainId}`);
    }
    return null;
  }

  private async node(method: string, params: unknown): Promise<unknown> {
    return this.deps.rpc(method, params);
  }
}
