/**
 * The rules of the settings and members pages that are not markup: what a form sends (only the
 * fields that changed), the fields a coded problem belongs to, pydantic's words in ours, the gas
 * budget in gwei and wei, and who may change an app.
 */
import type { components } from "../../api/schema";

export type AppOut = components["schemas"]["AppOut"];
export type AppUpdate = components["schemas"]["AppUpdate"];
export { CATEGORIES } from "../../categories";
export const ENVIRONMENTS = ["dev", "test", "prod"] as const;
export const SIGNATURE_ALGORITHMS = ["ES256", "RS256", "EdDSA"] as const;
export const ENCRYPTION_ALGORITHMS = ["none", "AES-256-GCM"] as const;
/** The scopes whose meaning the console can put in words; any other the API lists shows by name. */
export const KNOWN_SCOPES = [
  "basic:address",
  "basic:user_id",
  "extended:phone",
  "extended:email",
  "transaction:sign",
  "transaction:broadcast",
  "assets:balance",
  "assets:transfer",
] as const;
/** The roles an app's people hold (platform/core/permissions.py): the owner, and whom they invite. */
export const MEMBER_ROLES = ["app_operator"] as const;
const WEI_PER_GWEI = 1_000_000_000n;

/** One value a line, blank lines dropped. */
export function lines(value: string): string[] {
  return value.split("\n").map((line) => line.trim()).filter(Boolean);
}

/** Tags as typed (commas or spaces between them), lower-cased. */
export function tagList(value: string): string[] {
  return value.split(/[,\s]+/).map((tag) => tag.trim().toLowerCase()).filter(Boolean);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The PATCH body: only the fields whose value differs from the app's, so nothing else is touched. */
export function changedFields(app: AppOut, wanted: Required<AppUpdate>): AppUpdate {
  const body: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(wanted)) {
    if (!same(app[field as keyof AppOut], value)) body[field] = value;
  }
  return body as AppUpdate;
}

/** The form field of the codes the shared table does not know (contracts, payment, interface). */
export const SETTINGS_CODE_FIELDS: Record<string, string> = {
  invalid_address: "address",
  invalid_abi: "abi",
  invalid_selector: "method_allowlist",
  unknown_selector: "method_allowlist",
  contract_limit_reached: "address",
  invalid_amount: "gas_budget",
  budget_below_spent: "gas_budget",
  invalid_public_key: "public_key_pem",
  certificate_expired: "certificate_pem",
  version_not_found: "version",
  invalid_version: "version",
  version_not_increasing: "version",
  version_not_draft: "version",
  already_member: "email",
  cannot_invite_owner: "email",
  member_limit_reached: "email",
};

export type Wording =
  | { key: "required" }
  | { key: "tooLong"; max: number }
  | { key: "tag" }
  | null;

/** pydantic's message for a field, in words the console has in both languages; null: keep it. */
export function wording(type: string | undefined, message: string): Wording {
  if (type === "missing" || (type === "string_too_short" && /at least 1 character/.test(message))) {
    return { key: "required" };
  }
  const max = /at most (\d+)/.exec(message);
  if ((type === "string_too_long" || type === "too_long") && max) return { key: "tooLong", max: Number(max[1]) };
  if (type === "string_pattern_mismatch") return { key: "tag" };
  return null;
}

/** A whole number of gwei typed by a person, as the decimal wei string the API takes; null if not. */
export function gweiToWei(gwei: string): string | null {
  const text = gwei.trim().replace(/[_\s]/g, "");
  if (!/^\d{1,30}$/.test(text)) return null;
  return (BigInt(text) * WEI_PER_GWEI).toString();
}

/** Wei (a decimal string) as gwei for the form; a remainder below one gwei is dropped. */
export function weiToGwei(wei: string): string {
  try {
    return (BigInt(wei) / WEI_PER_GWEI).toString();
  } catch {
    return "0";
  }
}

/** Wei as ether with up to six decimals, for reading. */
export function weiToEther(wei: string): string {
  let value: bigint;
  try {
    value = BigInt(wei);
  } catch {
    return "0";
  }
  const whole = value / 10n ** 18n;
  const micro = (value % 10n ** 18n) / 10n ** 12n;
  const fraction = micro.toString().padStart(6, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : whole.toString();
}

/** The ABI a person pasted: a JSON list, or a message key saying why not. */
export function parseAbi(text: string): { abi: unknown[] } | { error: "abiJson" | "abiList" } {
  const source = text.trim() || "[]";
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch {
    return { error: "abiJson" };
  }
  return Array.isArray(parsed) ? { abi: parsed } : { error: "abiList" };
}

/** Whether the signed-in account may change the app: its developer. Members and staff read it. */
export function mayEdit(app: Pick<AppOut, "developer_id">, accountId: string | undefined): boolean {
  return accountId !== undefined && app.developer_id === accountId;
}

/** The scopes the authorization server lists (RFC 8414 `scopes_supported`), else null. */
export function supportedScopes(metadata: unknown): string[] | null {
  if (typeof metadata !== "object" || metadata === null) return null;
  const listed = (metadata as { scopes_supported?: unknown }).scopes_supported;
  if (!Array.isArray(listed)) return null;
  return listed.filter((scope): scope is string => typeof scope === "string");
}

/** Every scope to offer: the server's, then any the app requests that the server no longer lists. */
export function scopeChoices(supported: string[] | null, requested: string[]): string[] {
  return [...new Set([...(supported ?? []), ...requested])];
}
