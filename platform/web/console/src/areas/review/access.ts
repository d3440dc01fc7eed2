/**
 * Which staff role holds which operations permission: a mirror of ROLE_PERMISSIONS in
 * platform/core/permissions.py for the permissions this area's pages use. The API checks them
 * again on every call; this only decides what the console offers (cards, buttons).
 */
export type OperatorPermission =
  | "review:decide"
  | "qualification:review"
  | "app:delist"
  | "app:read:any"
  | "deploy:audit:override";

const ROLE_PERMISSIONS: Record<string, readonly OperatorPermission[]> = {
  platform_operator: ["review:decide", "qualification:review", "app:delist", "app:read:any", "deploy:audit:override"],
  platform_devops: ["app:read:any"],
  platform_tech: [],
};

/** The roles that hold `permission`. */
export function rolesWith(permission: OperatorPermission): string[] {
  return Object.keys(ROLE_PERMISSIONS).filter((role) => ROLE_PERMISSIONS[role]?.includes(permission));
}

/** Whether any of `roles` holds `permission`. */
export function may(roles: readonly string[], permission: OperatorPermission): boolean {
  return roles.some((role) => ROLE_PERMISSIONS[role]?.includes(permission) ?? false);
}

/** The page numbers of a result page: `from`–`to` of `total`, and whether there is a previous
 * or a next page (offset-based pages, as the admin endpoints answer). */
export function pageInfo(offset: number, limit: number, shown: number, total: number) {
  return {
    from: shown === 0 ? 0 : offset + 1,
    to: offset + shown,
    total,
    hasPrev: offset > 0,
    hasNext: offset + shown < total,
    prevOffset: Math.max(0, offset - limit),
    nextOffset: offset + limit,
  };
}
