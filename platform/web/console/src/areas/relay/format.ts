/**
 * The relay pages' arithmetic: wei amounts (decimal strings, too big for a JS number) shown in
 * ether or gwei, a share of a budget, short hashes, and the policy form read into its request.
 */

const WEI_PER_ETH = 10n ** 18n;
const WEI_PER_GWEI = 10n ** 9n;

function decimal(whole: bigint, unit: bigint, digits: number): string {
  const integer = whole / unit;
  const fraction = (whole % unit).toString().padStart(unit.toString().length - 1, "0").slice(0, digits).replace(/0+$/, "");
  return fraction ? `${integer}.${fraction}` : `${integer}`;
}

/** `wei` in ether to 6 decimals, or in gwei below a millionth of an ether; exact wei stays in the title. */
export function formatWei(wei: string | null | undefined): string {
  if (wei === null || wei === undefined || !/^\d+$/.test(wei)) return "—";
  const amount = BigInt(wei);
  if (amount === 0n) return "0 ETH";
  if (amount >= WEI_PER_ETH / 1_000_000n) return `${decimal(amount, WEI_PER_ETH, 6)} ETH`;
  if (amount >= WEI_PER_GWEI / 1000n) return `${decimal(amount, WEI_PER_GWEI, 3)} gwei`;
  return `${amount} wei`;
}

/** `part` of `whole` in whole percent (0–100, rounded down; an empty whole is 0 %). */
export function percentOf(part: string | number, whole: string | number): number {
  const total = BigInt(whole);
  if (total <= 0n) return 0;
  const share = (BigInt(part) * 100n) / total;
  return Number(share > 100n ? 100n : share < 0n ? 0n : share);
}

/** `0x1234…cdef`: enough to tell hashes and addresses apart in a table. */
export function shortHex(value: string | null | undefined, keep = 6): string {
  if (!value) return "—";
  return value.length <= keep * 2 + 3 ? value : `${value.slice(0, keep)}…${value.slice(-4)}`;
}

/** The relay policy's fields, in the order the form shows them; `wei` ones are decimal strings. */
export const POLICY_FIELDS = [
  { name: "max_value_wei", wei: true },
  { name: "max_gas_limit", wei: false },
  { name: "max_fee_per_gas_wei", wei: true },
  { name: "user_daily_tx_limit", wei: false },
  { name: "user_daily_value_wei", wei: true },
  { name: "app_daily_tx_limit", wei: false },
  { name: "app_daily_value_wei", wei: true },
  { name: "user_burst_per_minute", wei: false },
  { name: "app_burst_per_minute", wei: false },
] as const;
export type PolicyField = (typeof POLICY_FIELDS)[number]["name"];

/**
 * The form's values as the PUT body: counts as numbers when they are whole numbers, else the text
 * as typed (the API then names the field that is wrong, which the form shows next to it).
 */
export function policyBody(read: (name: PolicyField) => string): Record<PolicyField, string | number> {
  const body = {} as Record<PolicyField, string | number>;
  for (const field of POLICY_FIELDS) {
    const value = read(field.name).trim();
    body[field.name] = !field.wei && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return body;
}

/** The event types a webhook can receive (chain/relay/webhooks.py EVENT_TYPES). */
export const EVENT_TYPES = [
  "transaction.submitted",
  "transaction.stuck",
  "transaction.mined",
  "transaction.confirmed",
  "transaction.failed",
  "transaction.replaced",
  "transaction.dropped",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const STATES = ["received", "submitted", "stuck", "mined", "confirmed", "failed", "replaced", "dropped"] as const;

/** A badge's tone for a transaction state or a delivery status. */
export function tone(state: string): "ok" | "bad" | "wait" | "info" {
  if (state === "confirmed" || state === "delivered" || state === "mined") return "ok";
  if (state === "failed" || state === "dropped" || state === "abandoned") return "bad";
  if (state === "stuck" || state === "retrying" || state === "replaced") return "wait";
  return "info";
}
