/** The panels beside the wallet frame: accounts, the bridge log, transactions with receipts. */
import { h } from "./dom.js";
import { brief, formatEth, shortAddress } from "./format.js";
import type { CallRecord, Preview } from "./host.js";
import type { DropCounts } from "./protocol.js";

export function renderAccounts(
  list: HTMLElement,
  accounts: string[],
  balances: Map<string, bigint>,
  current: string,
  use: (address: string) => void,
): void {
  const rows = accounts.map((address, index) => {
    const active = address === current;
    const balance = balances.get(address);
    return h(
      "tr",
      { class: active ? "active" : undefined },
      h("td", {}, `#${index}`),
      h("td", {}, h("code", { title: address }, address)),
      h("td", { class: "num" }, balance === undefined ? "…" : formatEth(balance, 4)),
      h(
        "td",
        {},
        active
          ? h("span", { class: "tag" }, "current")
          : h("button", { type: "button", onclick: () => use(address), "aria-label": `Use account #${index}` }, "Use"),
      ),
    );
  });
  list.replaceChildren(
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, ""), h("th", {}, "Address"), h("th", { class: "num" }, "Balance"), h("th", {}, ""))), h("tbody", {}, ...rows)),
  );
}

export function renderLog(list: HTMLElement, dropped: HTMLElement, calls: CallRecord[], counts: DropCounts): void {
  dropped.textContent = `ignored messages: origin ${counts.origin} · malformed ${counts.malformed} · oversized ${counts.oversized}`;
  if (calls.length === 0) {
    list.replaceChildren(h("p", { class: "empty" }, "No bridge calls yet: the app's SDK calls show here."));
    return;
  }
  const rows = [...calls].reverse().map((call) =>
    h(
      "tr",
      { class: call.error ? "failed" : undefined },
      h("td", {}, call.at.toLocaleTimeString("en-GB")),
      h("td", {}, h("code", {}, call.method)),
      h("td", { class: "json" }, brief(call.params, 80)),
      h("td", { class: "json" }, call.error ? `error ${call.error.code}: ${call.error.message}` : brief(call.result, 80)),
      h("td", { class: "num" }, `${call.ms.toFixed(1)} ms`),
    ),
  );
  list.replaceChildren(
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, h("th", {}, "Time"), h("th", {}, "Method"), h("th", {}, "Params"), h("th", {}, "Result or error"), h("th", { class: "num" }, "Took"))),
      h("tbody", {}, ...rows),
    ),
  );
}

export interface TransactionRecord {
  hash: string;
  tx: Record<string, unknown>;
  preview: Preview | null;
  receipt?: { status: string; blockNumber: string; gasUsed: string; effectiveGasPrice?: string };
}

export function renderTransactions(list: HTMLElement, transactions: TransactionRecord[]): void {
  if (transactions.length === 0) {
    list.replaceChildren(h("p", { class: "empty" }, "No transactions yet: approved transactions and their receipts show here."));
    return;
  }
  const rows = [...transactions].reverse().map((record) => {
    const receipt = record.receipt;
    const status = !receipt ? "pending" : receipt.status === "0x1" ? "success" : "reverted";
    const method = record.preview?.method?.name ?? (record.tx.data && record.tx.data !== "0x" ? "(unknown method)" : "ETH transfer");
    const paid = receipt?.effectiveGasPrice ? formatEth(BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice), 8) : "…";
    return h(
      "tr",
      { class: status },
      h("td", {}, h("code", { title: record.hash }, shortAddress(record.hash))),
      h("td", {}, method),
      h("td", {}, h("code", { title: String(record.tx.to ?? "") }, shortAddress(String(record.tx.to ?? "(create)")))),
      h("td", { class: "num" }, formatEth(BigInt(String(record.tx.value ?? "0x0")), 4)),
      h("td", {}, h("span", { class: `status ${status}` }, status)),
      h("td", { class: "num" }, receipt ? String(BigInt(receipt.blockNumber)) : "…"),
      h("td", { class: "num" }, receipt ? BigInt(receipt.gasUsed).toLocaleString("en") : "…"),
      h("td", { class: "num" }, paid),
    );
  });
  list.replaceChildren(
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h("tr", {}, h("th", {}, "Hash"), h("th", {}, "Method"), h("th", {}, "To"), h("th", { class: "num" }, "Value"), h("th", {}, "Status"), h("th", { class: "num" }, "Block"), h("th", { class: "num" }, "Gas used"), h("th", { class: "num" }, "Fee paid")),
      ),
      h("tbody", {}, ...rows),
    ),
  );
}
