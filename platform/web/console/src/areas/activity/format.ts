/**
 * The activity area's plain logic: who an audit event's actor is in words, an alert's level, a
 * date range as the API's `since`/`until`, and a device from a user agent. Pure, so vitest covers it.
 */
import type { MessageKey, Translate } from "../../i18n";

export interface Actor {
  actor_type: string;
  actor_id: string | null;
  actor_role: string | null;
}

const STAFF = new Set(["platform_operator", "platform_devops", "platform_tech"]);
const ROLES = new Set(["developer", "app_operator", ...STAFF]);

function roleName(role: string | null, t: Translate): string {
  return t((role && ROLES.has(role) ? `activity.role.${role}` : "activity.role.other") as MessageKey);
}

/** A short id: enough to tell two apart, not a wall of hex. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

/** Who did it: "You", the platform, staff by role only, or a role with a short id. */
export function actorLabel(event: Actor, selfId: string | undefined, t: Translate): string {
  if (event.actor_id && event.actor_id === selfId) return t("activity.who.you");
  if (event.actor_type === "system") return t("activity.who.system", { name: event.actor_id ?? "system" });
  if (event.actor_role && STAFF.has(event.actor_role)) {
    return t("activity.who.staff", { role: roleName(event.actor_role, t) });
  }
  if (event.actor_type === "api_key") return t("activity.who.key", { id: shortId(event.actor_id ?? "") });
  if (event.actor_type === "user") return t("activity.who.user", { id: shortId(event.actor_id ?? "") });
  return t("activity.who.account", { role: roleName(event.actor_role, t), id: shortId(event.actor_id ?? "") });
}

/** The spec's alert levels: 75 warning, 85 severe, 95 urgent; below 75 a notice. */
export function levelOf(level: number): "urgent" | "severe" | "warning" | "info" {
  if (level >= 95) return "urgent";
  if (level >= 85) return "severe";
  if (level >= 75) return "warning";
  return "info";
}

/**
 * Two `<input type="date">` values (the person's local days, both inclusive) as the API's range:
 * `since` inclusive at the first day's local midnight, `until` exclusive at the midnight after
 * the last day. An empty side is left out; a start after the end is `null` (refused).
 */
export function dayRange(from: string, to: string): { since?: string; until?: string } | null {
  const start = from ? localMidnight(from, 0) : undefined;
  const end = to ? localMidnight(to, 1) : undefined;
  if (start && end && start >= end) return null;
  return { ...(start ? { since: start.toISOString() } : {}), ...(end ? { until: end.toISOString() } : {}) };
}

function localMidnight(day: string, addDays: number): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + addDays);
}

/** "Chrome on Linux" from a user agent; the raw text stays available as the cell's title. */
export function deviceOf(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null;
  const ua = userAgent;
  const browser =
    /Edg\//.test(ua) ? "Edge"
    : /OPR\//.test(ua) ? "Opera"
    : /Firefox\//.test(ua) ? "Firefox"
    : /HeadlessChrome\//.test(ua) ? "Headless Chrome"
    : /Chrom(e|ium)\//.test(ua) ? "Chrome"
    : /Safari\//.test(ua) && /Version\//.test(ua) ? "Safari"
    : /^curl\//.test(ua) ? "curl"
    : /python-httpx|python-requests|aiohttp/i.test(ua) ? "Python"
    : null;
  const os =
    /iPhone|iPad|iPod/.test(ua) ? "iOS"
    : /Android/.test(ua) ? "Android"
    : /Windows/.test(ua) ? "Windows"
    : /Mac OS X|Macintosh/.test(ua) ? "macOS"
    : /CrOS/.test(ua) ? "ChromeOS"
    : /Linux|X11/.test(ua) ? "Linux"
    : null;
  if (browser && os) return `${browser} · ${os}`;
  return browser ?? os ?? (ua.length > 40 ? `${ua.slice(0, 40)}…` : ua);
}

/** An event's changes as rows to show: `{field: [old, new]}` or any other value as it is. */
export function changeRows(changes: Record<string, unknown>): { field: string; before?: string; after: string }[] {
  return Object.entries(changes).map(([field, value]) => {
    if (Array.isArray(value) && value.length === 2) {
      return { field, before: show(value[0]), after: show(value[1]) };
    }
    return { field, after: show(value) };
  });
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}
