/**
 * Sponsored calls (ERC-2771 meta-transactions through the platform forwarder, docs/relay.md
 * "Sponsored gas"): the user signs a `ForwardRequest` as EIP-712 typed data
 * (`eth_signTypedData_v4`) and the app backend posts `{request, signature}` to
 * `POST /api/v1/relay/sponsored`; the platform's relayer pays the gas.
 *
 * The typed data is exactly what `ChainlessForwarder` (OpenZeppelin `ERC2771Forwarder`) hashes:
 * `ForwardRequest(address from,address to,uint256 value,uint256 gas,uint256 nonce,uint48 deadline,bytes data)`
 * in the domain `{name: "ChainlessForwarder", version: "1", chainId, verifyingContract}`.
 */
import type { Bridge, CallOptions } from "./bridge.js";
import { ChainlessError, ErrorCode } from "./errors.js";
import { Method } from "./protocol.js";
import type { ChainlessProvider } from "./provider.js";

export const FORWARDER_NAME = "ChainlessForwarder";
export const FORWARDER_VERSION = "1";
/** `nonces(address)` selector (OpenZeppelin `Nonces`). */
export const NONCES_SELECTOR = "0x7ecebe00";
/** The signature stays valid this long unless `deadline` is given (seconds). */
export const DEFAULT_DEADLINE_SECONDS = 600;

export const FORWARD_REQUEST_TYPES = {
  EIP712Domain: [
    { name: "name", type: "string" },
    { name: "version", type: "string" },
    { name: "chainId", type: "uint256" },
    { name: "verifyingContract", type: "address" },
  ],
  ForwardRequest: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "gas", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint48" },
    { name: "data", type: "bytes" },
  ],
} as const;

/** The request as the relay takes it: addresses and 0x data, quantities as decimal strings. */
export interface ForwardRequest {
  from: string;
  to: string;
  value: string;
  gas: string;
  nonce: string;
  deadline: string;
  data: string;
}

/** The body of `POST /api/v1/relay/sponsored`. */
export interface SponsoredRequest {
  request: ForwardRequest;
  signature: string;
}

export interface SponsoredCall extends CallOptions {
  to: string;
  data?: string;
  /** Must be 0: the relay refuses value (the relayer would pay it). */
  value?: bigint | number | string;
  /** Gas for the inner call; default the node's estimate plus 25 %. */
  gas?: bigint | number | string;
  /** Unix seconds; default now + 10 minutes. */
  deadline?: bigint | number | string;
}

/** The full `eth_signTypedData_v4` document for `request` on `forwarder` at `chainId`. */
export function forwardRequestTypedData(forwarder: string, chainId: number, request: ForwardRequest) {
  return {
    types: FORWARD_REQUEST_TYPES,
    primaryType: "ForwardRequest" as const,
    domain: { name: FORWARDER_NAME, version: FORWARDER_VERSION, chainId, verifyingContract: forwarder },
    message: request,
  };
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;

function quantity(name: string, value: bigint | number | string, bits: number): string {
  let n: bigint;
  try {
    n = BigInt(value);
  } catch {
    throw new ChainlessError(ErrorCode.InvalidParams, `${name} is not an integer`, { field: name });
  }
  if (n < 0n || n >= 1n << BigInt(bits)) {
    throw new ChainlessError(ErrorCode.InvalidParams, `${name} is out of range for uint${bits}`, { field: name });
  }
  return n.toString(10);
}

/**
 * Build, have the user sign and return a sponsored call. Reads the forwarder (`chainless_forwarder`),
 * the user's forwarder nonce (`nonces(from)` through the host's node) and, unless given, the gas.
 */
export async function sendSponsored(bridge: Bridge, provider: ChainlessProvider, call: SponsoredCall): Promise<SponsoredRequest> {
  const data = call.data ?? "0x";
  if (!ADDRESS.test(call.to)) throw new ChainlessError(ErrorCode.InvalidParams, "to is not an address", { field: "to" });
  if (!HEX.test(data)) throw new ChainlessError(ErrorCode.InvalidParams, "data is not 0x-hex bytes", { field: "data" });
  if (quantity("value", call.value ?? 0, 256) !== "0") {
    throw new ChainlessError(ErrorCode.InvalidParams, "sponsored calls cannot carry value", { field: "value" });
  }
  const [from] = (await provider.request({ method: "eth_requestAccounts" })) as string[];
  if (!from) throw new ChainlessError(ErrorCode.Unauthorized, "no account connected");
  const forwarder = await bridge.call<{ address: string; chainId: string } | null>(Method.Forwarder, [], call);
  if (!forwarder?.address) throw new ChainlessError(ErrorCode.UnsupportedMethod, "this chain has no sponsored calls");
  const nonce = (await provider.request({
    method: "eth_call",
    params: [{ to: forwarder.address, data: NONCES_SELECTOR + from.slice(2).toLowerCase().padStart(64, "0") }, "latest"],
  })) as string;
  const gas =
    call.gas ??
    (BigInt(
      (await provider.request({
        method: "eth_estimateGas",
        // ERC-2771: the recipient reads the sender from the last 20 bytes of calldata
        params: [{ from: forwarder.address, to: call.to, data: data + from.slice(2) }],
      })) as string,
    ) *
      5n) /
      4n;
  const request: ForwardRequest = {
    from,
    to: call.to,
    value: "0",
    gas: quantity("gas", gas, 256),
    nonce: quantity("nonce", nonce, 256),
    deadline: quantity("deadline", call.deadline ?? Math.floor(Date.now() / 1000) + DEFAULT_DEADLINE_SECONDS, 48),
    data,
  };
  const typedData = forwardRequestTypedData(forwarder.address, Number(BigInt(forwarder.chainId)), request);
  const signature = (await provider.request({
    method: "eth_signTypedData_v4",
    params: [from, JSON.stringify(typedData)],
  })) as string;
  return { request, signature };
}
