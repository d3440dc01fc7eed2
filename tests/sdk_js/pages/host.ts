// A minimal wallet host for the browser tests and the bridge benchmark: the host side of
// docs/wallet-bridge.md (iframe channel) with one anvil account. It frames the mini-program,
// answers the handshake, shows a dialog (and acks) for what the user must approve, signs with
// the account (viem), and passes read methods to the anvil node. The authorization flow itself
// (the platform's /oauth/authorize, SIWE and consent pages) is run by the wallet's "native"
// side, the test: it reads `window.pendingAuthorize` and calls `window.completeAuthorize(query)`.
//
// Configuration in the query: app (the mini-program URL), app_id, rpc (anvil), key (the
// account's private key), chain_id (hex), forwarder (address), issuer (the platform's URL).
import { createWalletClient, defineChain, http, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

type Json = Record<string, unknown>;
interface Request {
  jsonrpc: "2.0";
  id: string;
  method: string;
  params?: unknown;
}

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

const config = new URLSearchParams(location.search);
const appUrl = config.get("app") ?? "";
const appOrigin = new URL(appUrl).origin;
const appId = config.get("app_id") ?? "";
const rpcUrl = config.get("rpc") ?? "";
const chainId = config.get("chain_id") ?? "0x7a69";
const forwarder = config.get("forwarder");
const issuer = config.get("issuer") ?? undefined;
const account = privateKeyToAccount((config.get("key") ?? "0x" + "11".repeat(32)) as Hex);
const chain = defineChain({
  id: Number(chainId),
  name: "anvil",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [rpcUrl] } },
});
// made when first needed: the benchmark gives no node
const wallet = (): ReturnType<typeof createWalletClient> => createWalletClient({ account, chain, transport: http(rpcUrl) });

const READ = [
  "eth_call", "eth_estimateGas", "eth_getBalance", "eth_getCode", "eth_getStorageAt",
  "eth_getTransactionCount", "eth_getTransactionByHash", "eth_getTransactionReceipt",
  "eth_getBlockByNumber", "eth_getBlockByHash", "eth_getLogs", "eth_blockNumber", "eth_gasPrice",
  "eth_maxPriorityFeePerGas", "eth_feeHistory",
];
const METHODS = [
  "chainless_authorize", "chainless_forwarder", "eth_requestAccounts", "eth_accounts", "eth_chainId",
  "net_version", "eth_sendTransaction", "personal_sign", "eth_signTypedData_v4", ...READ,
];
const MAX_CHARS = 1_048_576;
const dropped = { origin: 0, malformed: 0, oversized: 0, unknownId: 0 };
let authorized = false;

const status = (text: string): void => {
  document.getElementById("status")!.textContent = text;
};

const iframe = document.createElement("iframe");
iframe.title = "mini-program";
iframe.src = appUrl;
iframe.allow = "cross-origin-isolated";
document.getElementById("app")!.append(iframe);

const post = (message: Json): void => iframe.contentWindow?.postMessage(message, appOrigin);

window.addEventListener("message", (event) => {
  // only the app's frame, from the origin we loaded it from (docs/wallet-bridge.md, "Channels")
  if (event.source !== iframe.contentWindow || event.origin !== appOrigin) return void dropped.origin++;
  const message = event.data as Json | null;
  if (message && message.type === "echo") return post(message); // the benchmark's baseline
  if (JSON.stringify(message ?? null).length > MAX_CHARS) return void dropped.oversized++;
  if (!isRequest(message)) return void dropped.malformed++;
  void handle(message);
});

function isRequest(message: unknown): message is Request {
  const m = message as Request | null;
  return !!m && typeof m === "object" && !Array.isArray(m) && m.jsonrpc === "2.0" && typeof m.id === "string" && typeof m.method === "string";
}

async function handle(request: Request): Promise<void> {
  try {
    post({ jsonrpc: "2.0", id: request.id, result: (await answer(request)) ?? null });
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown; data?: unknown };
    const code = typeof e.code === "number" && Number.isInteger(e.code) ? e.code : -32603;
    const body: Json = { code, message: typeof e.message === "string" ? e.message : String(error) };
    if (e.data !== undefined) body.data = e.data;
    post({ jsonrpc: "2.0", id: request.id, error: body });
  }
}

const ack = (request: Request): void => post({ jsonrpc: "2.0", method: "chainless_ack", params: { id: request.id } });

async function answer(request: Request): Promise<unknown> {
  const params = (request.params ?? []) as unknown[];
  switch (request.method) {
    case "chainless_handshake": {
      const version = String((request.params as Json | undefined)?.protocol ?? "");
      if (version.split(".")[0] !== "1") throw new RpcError(4801, `protocol ${version} is not spoken here`, { supported: ["1.0"] });
      return { protocol: "1.0", host: { name: "Chainless test host", version: "1" }, methods: METHODS, appId, chainId, issuer };
    }
    case "chainless_authorize":
      return authorize(request);
    case "chainless_forwarder":
      return forwarder ? { address: forwarder, chainId } : null;
    case "eth_chainId":
      return chainId;
    case "net_version":
      return String(Number(chainId));
    case "eth_accounts":
      return authorized ? [account.address] : [];
    case "eth_requestAccounts":
      if (!authorized) throw new RpcError(4100, "the app is not authorized for an account: log in first");
      return [account.address];
    case "eth_sendTransaction":
      return sendTransaction(request, params[0] as Json);
    case "personal_sign":
      ownAccount(params[1]);
      await approval(request, "Sign a message", String(params[0]));
      return account.signMessage({ message: { raw: params[0] as Hex } });
    case "eth_signTypedData_v4":
      ownAccount(params[0]);
      return signTypedData(request, String(params[1]));
    default:
      if (READ.includes(request.method)) return rpc(request.method, params);
      throw new RpcError(4200, `${request.method} is not offered`);
  }
}

function ownAccount(address: unknown): void {
  if (!authorized || typeof address !== "string" || address.toLowerCase() !== account.address.toLowerCase()) {
    throw new RpcError(4100, "not the user's account");
  }
}

/** The platform's authorization request, run by the wallet's native side (the test). */
declare global {
  interface Window {
    pendingAuthorize?: Json;
    completeAuthorize?: (query: Json | null) => void;
    hostDropped: typeof dropped;
  }
}
window.hostDropped = dropped;

function authorize(request: Request): Promise<Json> {
  const params = request.params as Json;
  if (params.client_id !== appId) throw new RpcError(4100, "this is not the app the wallet loaded");
  ack(request);
  status(`Signing in to ${appId}…`);
  return new Promise((resolve, reject) => {
    window.completeAuthorize = (query) => {
      window.pendingAuthorize = undefined;
      status("ready");
      if (!query) return reject(new RpcError(4001, "the user closed the sign-in"));
      if (typeof query.code === "string") authorized = true;
      resolve(query);
    };
    window.pendingAuthorize = params;
  });
}

async function sendTransaction(request: Request, tx: Json): Promise<Hex> {
  ownAccount(tx?.from);
  await approval(request, "Send a transaction", JSON.stringify(tx, null, 2));
  const quantity = (name: string): bigint | undefined => (tx[name] === undefined ? undefined : BigInt(tx[name] as string));
  return wallet().sendTransaction({
    account,
    chain,
    to: tx.to as Hex,
    data: tx.data as Hex | undefined,
    value: quantity("value"),
    gas: quantity("gas"),
    maxFeePerGas: quantity("maxFeePerGas"),
    maxPriorityFeePerGas: quantity("maxPriorityFeePerGas"),
    nonce: tx.nonce === undefined ? undefined : Number(BigInt(tx.nonce as string)),
  });
}

async function signTypedData(request: Request, json: string): Promise<Hex> {
  let document: { domain: Json; types: Record<string, Array<{ name: string; type: string }>>; primaryType: string; message: Json };
  try {
    document = JSON.parse(json);
  } catch {
    throw new RpcError(-32602, "typed data is not JSON");
  }
  await approval(request, "Sign typed data", JSON.stringify(document.message, null, 2));
  const { EIP712Domain: _domain, ...types } = document.types;
  const message: Json = { ...document.message };
  for (const field of types[document.primaryType] ?? []) {
    if (/^u?int\d*$/.test(field.type)) message[field.name] = BigInt(message[field.name] as string);
  }
  return account.signTypedData({ domain: document.domain, types, primaryType: document.primaryType, message } as never);
}

async function rpc(method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
  if (body.error) throw new RpcError(body.error.code, body.error.message, body.error.data);
  return body.result;
}

/** The dialog the user approves or rejects; the request is acked while it shows. */
function approval(request: Request, title: string, details: string): Promise<void> {
  ack(request);
  const dialog = document.createElement("section");
  dialog.setAttribute("role", "dialog");
  dialog.setAttribute("aria-label", title);
  const heading = document.createElement("h2");
  heading.textContent = title;
  const body = document.createElement("pre");
  body.textContent = details;
  const approve = document.createElement("button");
  approve.textContent = "Approve";
  const reject = document.createElement("button");
  reject.textContent = "Reject";
  dialog.append(heading, body, approve, reject);
  document.body.append(dialog);
  return new Promise((resolve, fail) => {
    approve.onclick = () => (dialog.remove(), resolve());
    reject.onclick = () => (dialog.remove(), fail(new RpcError(4001, "User rejected the request.")));
  });
}
