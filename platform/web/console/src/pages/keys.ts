/**
 * The rules of the API keys page that are not markup: the scopes a key may hold and when to
 * remind the developer to rotate a key (platform/apikeys: keys live 90 days; the API marks a key
 * "expiring" 14 days before its end).
 */
import type { components } from "../api/schema";

export type ApiKey = components["schemas"]["ApiKeyOut"];

/** The scopes `ApiKeyCreate.scopes` accepts (platform/core/permissions.py, ApiKeyScope). */
export const KEY_SCOPES = ["data:read", "data:write", "transaction:write", "deploy:write", "analytics:read"] as const;
export const ENVIRONMENTS = ["dev", "test", "prod"] as const;
export const PERIODS = ["hour", "minute", "day"] as const;

/** A key this old (of its 90 days) should be rotated soon, even before the API says "expiring". */
export const ROTATE_AFTER_DAYS = 80;
const DAY_MS = 86_400_000;

export function ageInDays(key: Pick<ApiKey, "created_at">, now: Date): number {
  return Math.floor((now.getTime() - new Date(key.created_at).getTime()) / DAY_MS);
}

/** Whether to show the rotation reminder: a live key the API marks expiring, or older than 80 days. */
export function needsRotation(key: Pick<ApiKey, "created_at" | "status" | "replaced_by_id">, now: Date): boolean {
  if (key.status === "revoked" || key.status === "expired" || key.replaced_by_id) return false;
  return key.status === "expiring" || ageInDays(key, now) >= ROTATE_AFTER_DAYS;
}
