// An example mini-program: everything goes through the SDK's EIP-1193 provider, which the
// wallet (here the sandbox) answers over the bridge. Plain script, no build step.
/* global Chainless */
const sdk = Chainless.createChainless({ appId: "sandbox" });
const provider = sdk.provider;
const $ = (id) => document.getElementById(id);
let account = null;

function formatEth(wei) {
  const whole = wei / 10n ** 18n;
  const fraction = (wei % 10n ** 18n).toString().padStart(18, "0").slice(0, 4).replace(/0+$/, "");
  return fraction ? `${whole}.${fraction} ETH` : `${whole} ETH`;
}

function parseEth(text) {
  if (!/^\d+(\.\d{1,18})?$/.test(text.trim())) throw new Error("the amount must be a number of ETH, like 0.01");
  const [whole, fraction = ""] = text.trim().split(".");
  return BigInt(whole) * 10n ** 18n + BigInt(fraction.padEnd(18, "0"));
}

function say(text, kind = "") {
  $("status").textContent = text;
  $("status").className = kind;
}

function explain(error) {
  return error && typeof error.code === "number" ? `Error ${error.code}: ${error.message}` : String(error);
}

async function showAccount(address) {
  account = address;
  $("account").textContent = address;
  $("account-box").hidden = false;
  $("transfer").hidden = false;
  $("signing").hidden = false;
  $("connect").hidden = true;
  const [balance, chainId] = await Promise.all([
    provider.request({ method: "eth_getBalance", params: [address, "latest"] }),
    provider.request({ method: "eth_chainId" }),
  ]);
  $("balance").textContent = formatEth(BigInt(balance));
  $("chain").textContent = String(BigInt(chainId));
}

$("connect").addEventListener("click", async () => {
  say("Asking the wallet…");
  try {
    const [address] = await provider.request({ method: "eth_requestAccounts" });
    await showAccount(address);
    say("Connected.", "ok");
  } catch (error) {
    say(explain(error), "error");
  }
});

$("transfer").addEventListener("submit", async (event) => {
  event.preventDefault();
  let value;
  try {
    value = parseEth($("amount").value);
    if (!/^0x[0-9a-fA-F]{40}$/.test($("to").value.trim())) throw new Error("the address must be 0x and 40 hex digits");
  } catch (error) {
    say(String(error.message), "error");
    return;
  }
  say("Waiting for your approval in the wallet…");
  try {
    const hash = await provider.request({
      method: "eth_sendTransaction",
      params: [{ from: account, to: $("to").value.trim(), value: "0x" + value.toString(16) }],
    });
    say(`Sent ${hash.slice(0, 10)}…, waiting for the receipt…`);
    let receipt = null;
    while (!receipt) {
      receipt = await provider.request({ method: "eth_getTransactionReceipt", params: [hash] });
      if (!receipt) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const ok = receipt.status === "0x1";
    say(`${ok ? "Confirmed" : "Reverted"} in block ${BigInt(receipt.blockNumber)} (gas used ${BigInt(receipt.gasUsed)}).`, ok ? "ok" : "error");
    await showAccount(account);
  } catch (error) {
    say(explain(error), "error");
  }
});

$("sign").addEventListener("click", async () => {
  const text = "Hello from the sandbox";
  const hex = "0x" + [...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, "0")).join("");
  say("Waiting for your signature in the wallet…");
  try {
    const signature = await provider.request({ method: "personal_sign", params: [hex, account] });
    say(`Signed: ${signature}`, "ok");
  } catch (error) {
    say(explain(error), "error");
  }
});

sdk.on("accountsChanged", (accounts) => {
  if (!accounts[0]) return;
  say(`The wallet switched to ${accounts[0].slice(0, 8)}…`);
  void showAccount(accounts[0]);
});

sdk.isInWallet().then((inWallet) => {
  $("host").textContent = inWallet ? "Running inside a Chainless wallet." : "Not inside a Chainless wallet: open it in the sandbox.";
});
