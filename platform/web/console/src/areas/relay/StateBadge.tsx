import type { Translate, MessageKey } from "../../i18n";
import { tone } from "./format";

/** A transaction state or a delivery status as a coloured badge with its word. */
export function StateBadge({ state, t, kind = "tx" }: { state: string; t: Translate; kind?: "tx" | "delivery" }) {
  const key = `relay.${kind === "tx" ? "state" : "delivery"}.${state}` as MessageKey;
  return <span class={`badge relay-${tone(state)}`}>{t(key)}</span>;
}
