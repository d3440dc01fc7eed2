import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { BASE } from "../../nav";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card, Table } from "../../ui/Card";
import { ConfirmDialog } from "../../ui/Dialog";
import { levelKey } from "./format";

type AlertOut = components["schemas"]["AlertOut"];
type Show = "open" | "resolved" | "all";
const SHOWS: readonly Show[] = ["open", "resolved", "all"];
const PAGE = `${BASE}/operator/alerts`;

/** Alerts (GET /admin/alerts): open, resolved or all, kept in the address; resolve asks once. */
export function Alerts() {
  const { t, api, locale, toast } = useConsole();
  const { query } = useLocation();
  const show: Show = SHOWS.includes(query.show as Show) ? (query.show as Show) : "open";
  const [alerts, setAlerts] = useState<AlertOut[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState<AlertOut | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  /** `keep`: after a resolve, the list stays in place until the fresh one arrives (no flash). */
  const load = (keep = false) => {
    setError(null);
    if (!keep) setAlerts(null);
    const query = { open_only: show === "open", resolved_only: show === "resolved", limit: 200 };
    unwrap(api.GET("/api/v1/admin/alerts", { params: { query } })).then(setAlerts, (e) =>
      setError(describeError(e, t).message),
    );
  };
  useEffect(() => load(), [show]);
  const when = (iso: string) => new Date(iso).toLocaleString(locale);
  const resolve = (alert: AlertOut) => {
    setConfirming(null);
    setBusy(alert.id);
    unwrap(api.POST("/api/v1/admin/alerts/{alert_id}/resolve", { params: { path: { alert_id: alert.id } } }))
      .then(
        () => {
          toast("ok", t("alerts.resolved"));
          load(true);
        },
        (e) => toast("error", describeError(e, t).message),
      )
      .finally(() => setBusy(null));
  };
  const empty: Record<Show, MessageKey> = { open: "alerts.emptyOpen", resolved: "alerts.emptyResolved", all: "alerts.emptyAll" };
  return (
    <main>
      <p><a href={`${BASE}/operator`}>{t("insight.toHub")}</a></p>
      <h1>{t("alerts.title")}</h1>
      <p class="muted">{t("alerts.intro")}</p>
      <nav class="tabs" aria-label={t("alerts.show")}>
        <ul>
          {SHOWS.map((s) => (
            <li key={s}>
              <a href={s === "open" ? PAGE : `${PAGE}?show=${s}`} aria-current={s === show ? "page" : undefined}>
                {t(`alerts.filter.${s}` as MessageKey)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {error ? (
        <Alert kind="error">{error} <Button small variant="secondary" onClick={() => load()}>{t("common.retry")}</Button></Alert>
      ) : alerts === null ? (
        <Loading label={t("common.loading")} />
      ) : alerts.length === 0 ? (
        <Card><p class="muted">{t(empty[show])}</p></Card>
      ) : (
        <Card>
          <div class="insight-list">
          <Table
            caption={t("alerts.caption")}
            rows={alerts}
            rowKey={(a) => String(a.id)}
            columns={[
              {
                key: "level",
                label: t("alerts.level"),
                render: (a) => {
                  const key = levelKey(a.level);
                  return <span class={`badge level-${a.level >= 95 ? 95 : a.level >= 85 ? 85 : 75}`}>{a.level}{key ? ` · ${t(key)}` : ""}</span>;
                },
              },
              {
                key: "what",
                label: t("alerts.what"),
                render: (a) => (
                  <span class="alert-what">
                    <strong>{a.summary}</strong>
                    <span class="muted"><code>{a.kind}</code> · {a.subject}</span>
                  </span>
                ),
              },
              { key: "app", label: t("alerts.app"), render: (a) => (a.app_id ? <code>{a.app_id}</code> : <span class="muted">{t("alerts.platformWide")}</span>) },
              {
                key: "when",
                label: t("alerts.when"),
                render: (a) => (
                  <span class="alert-what">
                    <span>{t("alerts.raised", { time: when(a.raised_at) })}</span>
                    {a.count > 1 && <span class="muted">{t("alerts.lastSeen", { time: when(a.last_seen_at), count: a.count })}</span>}
                  </span>
                ),
              },
              {
                key: "state",
                label: t("alerts.state"),
                render: (a) =>
                  a.resolved_at ? (
                    <span class="muted">{t("alerts.resolvedAt", { time: when(a.resolved_at) })}</span>
                  ) : (
                    <Button small variant="secondary" busy={busy === a.id} aria-label={t("alerts.resolveNamed", { summary: a.summary })}
                      onClick={() => setConfirming(a)}>
                      {t("alerts.resolve")}
                    </Button>
                  ),
              },
            ]}
          />
          </div>
        </Card>
      )}
      <ConfirmDialog
        open={confirming !== null}
        message={confirming ? t("alerts.confirmResolve", { summary: confirming.summary }) : ""}
        confirmLabel={t("alerts.resolve")}
        cancelLabel={t("common.cancel")}
        onConfirm={() => confirming && resolve(confirming)}
        onCancel={() => setConfirming(null)}
      />
    </main>
  );
}
