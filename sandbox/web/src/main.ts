/**
 * The sandbox page: the wallet frame with the mini-program in an iframe on its own origin, the
 * bridge host, the dialogs and rules, and the panels. Everything it needs comes from the
 * sandbox server (`/api/config`, `/api/rules`, `/api/preview`, `/rpc`).
 */
import { showDialog } from "./dialog.js";
import { byId, h } from "./dom.js";
import { formatEth, shortAddress } from "./format.js";
import { BridgeHost, type CallRecord, type Preview, type SandboxConfig } from "./host.js";
import { renderAccounts, renderLog, renderTransactions, type TransactionRecord } from "./panels.js";
import { newDropCounts, readRequest } from "./protocol.js";
import { rpc } from "./rpc.js";
import { decide, formatMethodRules, type Decision, type Rules } from "./rules.js";

const calls: CallRecord[] = [];
const transactions: TransactionRecord[] = [];
const balances = new Map<string, bigint>();
const dropped = newDropCounts();

async function main(): Promise<void> {
  const config = (await (await fetch("/api/config")).json()) as SandboxConfig & { rules: Rules };
  const fromQuery = new URLSearchParams(location.search).get("rules");
  let rules = fromQuery ? await putRules(fromQuery) : config.rules;
  let current = config.accounts[0] ?? "";
  const frame = byId<HTMLIFrameElement>("app-frame");
  const layer = byId("dialog-layer");

  byId("app-label").textContent = config.project;
  byId("chain-label").textContent = `chain ${BigInt(config.chainId)} · ${config.accounts.length} test accounts`;

  const post = (message: object): void => frame.contentWindow?.postMessage(message, config.appOrigin);
  const host = new BridgeHost({
    config,
    post,
    rpc,
    preview,
    account: () => current,
    async ask(interaction) {
      rules = await getRules().catch(() => rules);
      showRules(rules);
      const contractMethod = interaction.kind === "transaction" ? interaction.preview?.method?.name : undefined;
      const decision: Decision = decide(rules, interaction.method, contractMethod);
      if (decision !== "manual") {
        note(`${interaction.method}: ${decision === "approve" ? "approved" : "rejected"} by the rules`);
        return decision === "approve";
      }
      return showDialog(layer, interaction);
    },
    onCall(record) {
      calls.push(record);
      renderLog(byId("log-list"), byId("log-dropped"), calls, dropped);
    },
    onTransaction(hash, tx, txPreview) {
      const record: TransactionRecord = { hash, tx, preview: txPreview };
      transactions.push(record);
      renderTransactions(byId("tx-list"), transactions);
      void waitForReceipt(record);
    },
  });

  window.addEventListener("message", (event) => {
    if (event.source !== frame.contentWindow || event.origin !== config.appOrigin) {
      if (event.source !== window) dropped.origin++;
      renderLog(byId("log-list"), byId("log-dropped"), calls, dropped);
      return;
    }
    const request = readRequest(event.data);
    if (typeof request === "string") {
      dropped[request]++;
      renderLog(byId("log-list"), byId("log-dropped"), calls, dropped);
      return;
    }
    void host.handle(request);
  });
  frame.src = config.appUrl;

  const select = byId<HTMLSelectElement>("account-select");
  const use = (address: string): void => {
    if (address === current) return;
    current = address;
    select.value = address;
    host.accountChanged(address);
    note(`account ${shortAddress(address)} is now the wallet's`);
    showAccounts();
  };
  select.replaceChildren(...config.accounts.map((address, index) => h("option", { value: address }, `#${index} ${shortAddress(address)}`)));
  select.addEventListener("change", () => use(select.value));

  const showAccounts = (): void => {
    renderAccounts(byId("accounts-list"), config.accounts, balances, current, use);
    const balance = balances.get(current);
    byId("wallet-balance").textContent = balance === undefined ? "" : formatEth(balance, 4);
  };
  const refreshBalances = async (): Promise<void> => {
    await Promise.all(
      config.accounts.map(async (address) => balances.set(address, BigInt(String(await rpc("eth_getBalance", [address, "latest"]))))),
    ).catch(() => undefined);
    showAccounts();
  };
  const waitForReceipt = async (record: TransactionRecord): Promise<void> => {
    for (let attempt = 0; attempt < 600 && !record.receipt; attempt++) {
      const receipt = (await rpc("eth_getTransactionReceipt", [record.hash]).catch(() => null)) as TransactionRecord["receipt"] | null;
      if (receipt) record.receipt = receipt;
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
    renderTransactions(byId("tx-list"), transactions);
    await refreshBalances();
  };

  showAccounts();
  void refreshBalances();
  renderLog(byId("log-list"), byId("log-dropped"), calls, dropped);
  renderTransactions(byId("tx-list"), transactions);
  setupTabs();
  setupRules(rules, (saved) => (rules = saved));
}

async function preview(tx: Record<string, unknown>): Promise<Preview | null> {
  const response = await fetch("/api/preview", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(tx) });
  return response.ok ? ((await response.json()) as Preview) : null;
}

async function getRules(): Promise<Rules> {
  const response = await fetch("/api/rules");
  if (!response.ok) throw new Error(`rules: ${response.status}`);
  return (await response.json()) as Rules;
}

/** Save rules (an object or the short string form); the server checks them. */
async function putRules(body: Rules | string): Promise<Rules> {
  const response = await fetch("/api/rules", { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const answer = (await response.json()) as Rules & { detail?: string };
  if (!response.ok) throw new Error(answer.detail ?? `the rules were refused (${response.status})`);
  return answer;
}

function showRules(rules: Rules): void {
  byId<HTMLSelectElement>("rules-default").value = rules.default;
  byId<HTMLInputElement>("rules-methods").value = formatMethodRules(rules);
  byId("rules-badge").textContent = rules.default === "manual" && Object.keys(rules.methods).length === 0 ? "dialogs: by hand" : "dialogs: by rules";
}

function setupRules(initial: Rules, saved: (rules: Rules) => void): void {
  showRules(initial);
  const form = byId<HTMLFormElement>("rules-form");
  const status = byId("rules-status");
  const field = byId<HTMLInputElement>("rules-methods");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const methods = field.value.split(",").map((part) => part.trim()).filter(Boolean).map((part) => part.replace(/\s*:\s*/, ":"));
    const text = [byId<HTMLSelectElement>("rules-default").value, ...methods].join(",");
    putRules(text).then(
      (rules) => {
        saved(rules);
        showRules(rules);
        field.removeAttribute("aria-invalid");
        status.className = "ok";
        status.textContent = "Rules saved: they answer the next dialogs.";
      },
      (error: Error) => {
        field.setAttribute("aria-invalid", "true");
        status.className = "error";
        status.textContent = error.message;
      },
    );
  });
}

function setupTabs(): void {
  const tabs = [...document.querySelectorAll<HTMLButtonElement>("[role=tab]")];
  const select = (chosen: HTMLButtonElement): void => {
    for (const tab of tabs) {
      const selected = tab === chosen;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      byId(tab.getAttribute("aria-controls") ?? "").hidden = !selected;
    }
  };
  for (const tab of tabs) {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      if (next) {
        select(next);
        next.focus();
      }
    });
  }
}

let noteTimer: ReturnType<typeof setTimeout> | undefined;
function note(text: string): void {
  const element = byId("note");
  element.textContent = text;
  clearTimeout(noteTimer);
  noteTimer = setTimeout(() => (element.textContent = ""), 4000);
}

void main().catch((error: unknown) => {
  byId("fatal").hidden = false;
  byId("fatal").textContent = `The sandbox page could not start: ${String(error)}`;
});
