/** Pure helpers of the insight pages: ages, the audit search in the address, the chart's scale. */
import type { MessageKey, Params } from "../../i18n";

type T = (key: MessageKey, params?: Params) => string;

/** How long since `from` at `now`, in the two largest units that matter ("3 d 4 h"). */
export function formatAge(from: string | Date, now: string | Date, t: T): string {
  const seconds = Math.max(0, (new Date(now).getTime() - new Date(from).getTime()) / 1000);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return t("age.lessThanMinute");
  const hours = Math.floor(minutes / 60);
  if (hours < 1) return t("age.minutes", { m: minutes });
  const days = Math.floor(hours / 24);
  if (days < 1) return t("age.hours", { h: hours, m: minutes % 60 });
  return t("age.days", { d: days, h: hours % 24 });
}

/** The audit search as it stands in the address (`?action=app.*&app=…`): every value a string. */
export interface AuditSearch {
  actor: string;
  action: string;
  app: string;
  since: string; // "YYYY-MM-DDTHH:MM", UTC
  until: string;
  cursor: string;
}

export const AUDIT_FIELDS = ["actor", "action", "app", "since", "until", "cursor"] as const;

export function searchFromQuery(query: Record<string, string | undefined>): AuditSearch {
  const read = (name: string) => (query[name] ?? "").trim();
  return {
    actor: read("actor"),
    action: read("action"),
    app: read("app"),
    since: read("since"),
    until: read("until"),
    cursor: /^\d+$/.test(read("cursor")) ? read("cursor") : "",
  };
}

/** The address's query for `search` (empty members left out, in a fixed order). */
export function queryOf(search: Partial<AuditSearch>): string {
  const params = new URLSearchParams();
  for (const name of AUDIT_FIELDS) {
    const value = search[name];
    if (value) params.set(name, value);
  }
  return params.toString();
}

/** Field messages for a search the platform would refuse, keyed by field name. */
export function auditSearchErrors(search: AuditSearch): Partial<Record<keyof AuditSearch, MessageKey>> {
  const errors: Partial<Record<keyof AuditSearch, MessageKey>> = {};
  const since = search.since ? utcTime(search.since) : null;
  const until = search.until ? utcTime(search.until) : null;
  if (since !== null && until !== null && until <= since) errors.until = "audit.untilBeforeSince";
  const star = search.action.indexOf("*");
  if (star !== -1 && star !== search.action.length - 1) errors.action = "audit.actionStar";
  return errors;
}

/** A `datetime-local` value read as UTC, in milliseconds; NaN-free (null when unreadable). */
export function utcTime(local: string): number | null {
  const time = Date.parse(`${local.length === 16 ? `${local}:00` : local}Z`);
  return Number.isNaN(time) ? null : time;
}

/** The API's query for a search: times get their UTC offset. */
export function apiQuery(search: AuditSearch): Record<string, string | number> {
  const query: Record<string, string | number> = { limit: 25 };
  if (search.actor) query.actor_id = search.actor;
  if (search.action) query.action = search.action;
  if (search.app) query.app_id = search.app;
  if (search.since && utcTime(search.since) !== null) query.since = new Date(utcTime(search.since)!).toISOString();
  if (search.until && utcTime(search.until) !== null) query.until = new Date(utcTime(search.until)!).toISOString();
  if (search.cursor) query.cursor = Number(search.cursor);
  return query;
}

/** A round top for a bar chart's axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceCeiling(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** Alert levels as the spec names them; anything else shows its number alone. */
export function levelKey(level: number): MessageKey | null {
  if (level >= 95) return "alerts.level.95";
  if (level >= 85) return "alerts.level.85";
  if (level >= 75) return "alerts.level.75";
  return null;
}
