// A test mini-program on `@chainless/sdk` (the built package) and viem, unchanged: it logs in,
// pays a transaction with its own gas through `createWalletClient({ transport: custom(sdk.provider) })`
// and waits for it to be mined, and asks for a sponsored call. What happened is shown on the
// page (JSON in the <pre> elements) for the test, the "backend", to read.
//
// Query: app_id, recipient (the SampleRecipient address), redirect_uri, mode
// ("confidential" | "public"), bench (a number of calls: run the bridge benchmark instead).
import { ChainlessError, createChainless } from "@chainless/sdk";
import { createPublicClient, createWalletClient, custom, defineChain, encodeFunctionData, parseAbi, type Hex } from "viem";

const query = new URLSearchParams(location.search);
const mode = query.get("mode") === "public" ? "public" : "confidential";
const recipient = (query.get("recipient") ?? "0x0000000000000000000000000000000000000000") as Hex;
const redirectUri = query.get("redirect_uri") ?? location.origin + "/callback";
const abi = parseAbi(["function sign(string message) returns (uint256)"]);
const sdk = createChainless({ appId: query.get("app_id") ?? "app_test", mode });

const show = (id: string, value: unknown): void => {
  document.getElementById(id)!.textContent = typeof value === "string" ? value : JSON.stringify(value, null, 2);
};

/** The first numeric `code` on the error or its causes (viem wraps the provider's error), and
 * the code of the SDK's own `ChainlessError` among them. */
function failure(error: unknown): { error: number | null; chainless: number | null; message: string } {
  let code: number | null = null;
  let chainless: number | null = null;
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (code === null && typeof e.code === "number") code = e.code;
    if (chainless === null && e instanceof ChainlessError) chainless = e.code;
  }
  return { error: code, chainless, message: String((error as Error)?.message ?? error).split("\n")[0]! };
}

async function start(): Promise<void> {
  const started = performance.now();
  const inWallet = await sdk.isInWallet();
  const ms = Math.round(performance.now() - started);
  const wallet = document.getElementById("wallet")!;
  wallet.textContent = inWallet ? "In the Chainless wallet" : "Not in a Chainless wallet";
  wallet.dataset.ms = String(ms);
  if (!inWallet) {
    try {
      await sdk.provider.request({ method: "eth_chainId" });
      show("probe", "eth_chainId answered");
    } catch (error) {
      show("probe", `eth_chainId rejected with ${failure(error).error}`);
    }
    return;
  }
  const count = Number(query.get("bench") ?? 0);
  if (count > 0) (window as unknown as { benchResult: unknown }).benchResult = await bench(count);
}

document.getElementById("login")!.onclick = async () => {
  show("out-login", "…");
  try {
    const result = await sdk.login({ scopes: ["basic:address", "basic:user_id", "transaction:broadcast"], redirectUri });
    show("out-login", result);
  } catch (error) {
    show("out-login", failure(error));
  }
};

document.getElementById("pay")!.onclick = async () => {
  show("out-pay", "…");
  try {
    const chainId = Number(await sdk.provider.request({ method: "eth_chainId" }));
    const chain = defineChain({
      id: chainId,
      name: "wallet chain",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [] } },
    });
    const wallet = createWalletClient({ chain, transport: custom(sdk.provider) });
    const reader = createPublicClient({ chain, transport: custom(sdk.provider), pollingInterval: 100 });
    const [account] = await wallet.requestAddresses();
    const hash = await wallet.sendTransaction({
      account: account!,
      to: recipient,
      data: encodeFunctionData({ abi, functionName: "sign", args: ["paid with my own gas"] }),
    });
    show("out-pay", { hash, state: "sent" });
    const receipt = await reader.waitForTransactionReceipt({ hash, timeout: 20_000 });
    show("out-pay", { hash, state: "mined", status: receipt.status, blockNumber: receipt.blockNumber.toString(), from: receipt.from });
  } catch (error) {
    show("out-pay", failure(error));
  }
};

document.getElementById("sponsor")!.onclick = async () => {
  show("out-sponsor", "…");
  try {
    show("out-sponsor", await sdk.sendSponsored({ to: recipient, data: encodeFunctionData({ abi, functionName: "sign", args: ["sponsored hello"] }) }));
  } catch (error) {
    show("out-sponsor", failure(error));
  }
};

/**
 * The bridge benchmark (bench/sdk_bridge.py): `count` `eth_chainId` calls through the SDK, and
 * as many bare postMessage round trips to the same host (it echoes `{type: "echo"}`), in
 * alternating blocks of 100 so both see the same machine. Milliseconds per call.
 */
async function bench(count: number): Promise<{ bridge: number[]; echo: number[]; isolated: boolean }> {
  const host = location.ancestorOrigins[0] ?? new URL(document.referrer).origin;
  let waiting: ((n: number) => void) | undefined;
  window.addEventListener("message", (event) => {
    const data = event.data as { type?: string; n?: number } | null;
    if (event.source === window.parent && event.origin === host && data?.type === "echo") waiting?.(data.n!);
  });
  const echo = (n: number): Promise<number> =>
    new Promise((resolve) => {
      waiting = resolve;
      window.parent.postMessage({ type: "echo", n }, host);
    });
  const bridge: number[] = [];
  const echoed: number[] = [];
  for (let i = 0; i < 50; i++) {
    await sdk.provider.request({ method: "eth_chainId" }); // warm both paths up
    await echo(i);
  }
  for (let done = 0; done < count; done += 100) {
    const block = Math.min(100, count - done);
    for (let i = 0; i < block; i++) {
      const t = performance.now();
      await sdk.provider.request({ method: "eth_chainId" });
      bridge.push(performance.now() - t);
    }
    for (let i = 0; i < block; i++) {
      const t = performance.now();
      await echo(i);
      echoed.push(performance.now() - t);
    }
  }
  return { bridge, echo: echoed, isolated: crossOriginIsolated };
}

void start();
