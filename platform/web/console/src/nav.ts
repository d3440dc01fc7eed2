/** The navigation the shell shows: each item names the roles that may use its pages. */
import type { MessageKey } from "./i18n";

export const BASE = "/console";
export const STAFF_ROLES = ["platform_operator", "platform_devops", "platform_tech"] as const;

export interface NavItem {
  href: string;
  label: MessageKey;
  roles: readonly string[];
}

export const NAV: readonly NavItem[] = [
  { href: `${BASE}/apps`, label: "nav.apps", roles: ["developer"] },
  { href: `${BASE}/operator`, label: "nav.operator", roles: STAFF_ROLES },
];

/** The items `roles` may use: the console's own, then those the areas add (see areas/index.ts). */
export function navFor(roles: readonly string[], extra: readonly NavItem[] = []): NavItem[] {
  return [...NAV, ...extra].filter((item) => item.roles.some((role) => roles.includes(role)));
}

/** Where a signed-in person lands: their first page. */
export function homeFor(roles: readonly string[]): string {
  return navFor(roles)[0]?.href ?? `${BASE}/apps`;
}

/**
 * The sign-in page's address that comes back to `current` afterwards. Only console paths are
 * kept, so a crafted `next` cannot send the person to another site.
 */
export function signInUrl(current: string, expired = false): string {
  const query = new URLSearchParams();
  if (safeNext(current)) query.set("next", current);
  if (expired) query.set("expired", "1");
  const text = query.toString();
  return `${BASE}/sign-in${text ? `?${text}` : ""}`;
}

export function safeNext(next: string | undefined): string | undefined {
  if (!next || !next.startsWith(`${BASE}/`) || next.startsWith("//")) return undefined;
  if (/^\/console\/(sign-in|sign-up)\b/.test(next)) return undefined;
  return next;
}
