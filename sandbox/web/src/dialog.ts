/**
 * The wallet's dialogs inside the phone frame: connect, send a transaction (decoded), sign a
 * message, sign typed data. One at a time; each resolves `true` (Approve) or `false` (Reject,
 * Escape).
 */
import { h } from "./dom.js";
import { formatEth, shortAddress, signedText } from "./format.js";
import type { Interaction, Preview } from "./host.js";

const TITLES: Record<Interaction["kind"], string> = {
  connect: "Connect to the app",
  transaction: "Send transaction",
  sign: "Sign message",
  typedData: "Sign typed data",
};

let queue: Promise<unknown> = Promise.resolve();

export function showDialog(layer: HTMLElement, interaction: Interaction): Promise<boolean> {
  const shown = queue.then(() => open(layer, interaction));
  queue = shown.catch(() => undefined);
  return shown;
}

function open(layer: HTMLElement, interaction: Interaction): Promise<boolean> {
  return new Promise((resolve) => {
    const previous = document.activeElement as HTMLElement | null;
    const finish = (approved: boolean): void => {
      layer.replaceChildren();
      layer.hidden = true;
      previous?.focus?.();
      resolve(approved);
    };
    const approve = h("button", { type: "button", class: "primary", onclick: () => finish(true) }, "Approve");
    const reject = h("button", { type: "button", onclick: () => finish(false) }, "Reject");
    const sheet = h(
      "div",
      { class: "sheet", role: "dialog", "aria-modal": "true", "aria-labelledby": "dialog-title", "data-kind": interaction.kind },
      h("h2", { id: "dialog-title" }, TITLES[interaction.kind]),
      h("dl", { class: "facts" }, ...facts(interaction)),
      h("div", { class: "actions" }, reject, approve),
    );
    sheet.addEventListener("keydown", (event) => {
      if (event.key === "Escape") finish(false);
    });
    layer.replaceChildren(sheet);
    layer.hidden = false;
    approve.focus();
  });
}

function row(term: string, ...value: Array<Node | string>): Node[] {
  return [h("dt", {}, term), h("dd", {}, ...value)];
}

function facts(interaction: Interaction): Node[] {
  const account = row("Account", h("code", { title: interaction.account }, shortAddress(interaction.account)));
  switch (interaction.kind) {
    case "connect":
      return [...row("App", interaction.appId), ...account, ...row("Shares", "your address and balance")];
    case "sign":
      return [...account, ...row("Message", h("pre", {}, signedText(interaction.message)))];
    case "typedData":
      return [...account, ...row("Data", h("pre", {}, JSON.stringify(interaction.typedData, null, 2)))];
    case "transaction":
      return [...account, ...transactionFacts(interaction.tx, interaction.preview)];
  }
}

function transactionFacts(tx: Record<string, unknown>, preview: Preview | null): Node[] {
  const to = typeof tx.to === "string" ? tx.to : "";
  const target = to ? h("code", { title: to }, to) : "(contract creation)";
  const nodes = [
    ...row("To", target, preview?.toName ? h("span", { class: "tag" }, preview.toName) : ""),
    ...row("Value", formatEth(BigInt(String(tx.value ?? "0x0")))),
  ];
  const data = typeof tx.data === "string" ? tx.data : "0x";
  if (preview?.method) {
    const args = preview.method.args.map((arg) =>
      h("li", {}, h("span", { class: "arg" }, `${arg.name} (${arg.type})`), " ", h("code", {}, String(arg.value))),
    );
    nodes.push(...row("Method", h("code", {}, preview.method.signature), h("ul", { class: "args" }, ...args)));
  } else if (data !== "0x" && data !== "") {
    nodes.push(...row("Data", h("code", { class: "wrap" }, data.length > 74 ? `${data.slice(0, 74)}…` : data), h("div", { class: "hint" }, "no ABI known for this method")));
  } else {
    nodes.push(...row("Method", "plain transfer (no data)"));
  }
  if (preview) {
    const fee = preview.gas
      ? `${Number(preview.gas).toLocaleString("en")} gas × ${formatGwei(preview.feePerGas)} = ${formatEth(preview.fee, 8)}`
      : `gas cannot be estimated: ${preview.gasError ?? "unknown"}`;
    nodes.push(...row("Network fee", fee));
  }
  return nodes;
}

function formatGwei(wei: string): string {
  const gwei = Number(BigInt(wei)) / 1e9;
  return `${gwei.toLocaleString("en", { maximumFractionDigits: 4 })} gwei`;
}
