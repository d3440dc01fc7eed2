import type { Translate, MessageKey } from "../i18n";

/** The app status 0–3 (platform/apps/schemas.py) as a badge whose title explains it. */
export function StatusBadge({ status, t }: { status: number; t: Translate }) {
  const known = status >= 0 && status <= 3;
  return (
    <span class={`badge s${status}`} title={known ? t(`status.help.${status}` as MessageKey) : undefined}>
      {known ? t(`status.${status}` as MessageKey) : String(status)}
    </span>
  );
}
