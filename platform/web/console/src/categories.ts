/**
 * The app categories, in the order the forms offer them: the platform's fixed list
 * (platform/apps/schemas.py, docs/catalog.md). The check below fails to compile when the API
 * gains a category this list lacks, so no form offers less than the API takes.
 */
import type { components } from "./api/schema";

type ApiCategory = NonNullable<components["schemas"]["AppCreate"]["category"]>;

export const CATEGORIES = [
  "other", "games", "finance", "defi", "exchange", "payments", "nft",
  "social", "shopping", "tools", "education", "news",
] as const satisfies readonly ApiCategory[];

export type Category = (typeof CATEGORIES)[number];
type Missing = Exclude<ApiCategory, Category>;
export const EVERY_CATEGORY: [Missing] extends [never] ? true : Missing = true;
