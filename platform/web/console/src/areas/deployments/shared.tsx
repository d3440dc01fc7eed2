/** Small pieces the deployments pages share: badges, short ids and commits, dates. */
import type { MessageKey, Translate } from "../../i18n";

export const short = (sha: string | null | undefined, n = 10) => (sha ? sha.slice(0, n) : "");

export function when(value: string | null | undefined, locale: string): string {
  return value ? new Date(value).toLocaleString(locale) : "";
}

/** A deployment's status as a badge with a class per status (colour) and the word for it. */
export function DeployStatus({ status, t }: { status: string; t: Translate }) {
  const known = ["queued", "running", "succeeded", "failed", "cancelled"].includes(status);
  return <span class={`badge dep-${status}`}>{known ? t(`dep.status.${status}` as MessageKey) : status}</span>;
}
