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
import { formatAge } from "./format";
import { RelayChart, type RelayDay } from "./RelayChart";

type OverviewOut = components["schemas"]["OverviewOut"];
type Backlog = components["schemas"]["Backlog"];

const STATUSES = [
  ["development", 0],
  ["in_review", 1],
  ["online", 2],
  ["delisted", 3],
] as const;

/** The platform at a glance (GET /admin/overview): apps by status, the backlog, the relay. */
export function Overview() {
  const { t, api, locale } = useConsole();
  const [data, setData] = useState<OverviewOut | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = () => {
    setBusy(true);
    setError(null);
    unwrap(api.GET("/api/v1/admin/overview"))
      .then(setData, (e) => setError(describeError(e, t).message))
      .finally(() => setBusy(false));
  };
  useEffect(load, []);
  return (
    <main>
      <p><a href={`${BASE}/operator`}>{t("insight.toHub")}</a></p>
      <h1>{t("overview.title")}</h1>
      {error && <Alert kind="error">{error} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>}
      {!data && !error && <Loading label={t("common.loading")} />}
      {data && (
        <>
          <div class="actions overview-asof">
            <span class="muted">{t("overview.asOf", { time: new Date(data.generated_at).toLocaleString(locale) })}</span>
            <Button small variant="secondary" busy={busy} onClick={load}>{t("overview.refresh")}</Button>
          </div>
          <Card title={t("overview.apps")}>
            <ul class="stat-grid" data-testid="apps-by-status">
              {STATUSES.map(([member, status]) => (
                <li key={member} class="stat">
                  <strong data-testid={`apps-${member}`}>{data.apps[member]}</strong>
                  <span><span class={`badge s${status}`}>{t(`status.${status}` as MessageKey)}</span></span>
                </li>
              ))}
            </ul>
            <p class="muted">{t("overview.appsTotal", { count: STATUSES.reduce((sum, [m]) => sum + data.apps[m], 0) })}</p>
          </Card>
          <Card title={t("overview.review")}>
            <ul class="stat-grid">
              <BacklogStat id="apps-waiting" label={t("overview.appsWaiting")} backlog={data.review.apps} now={data.generated_at} />
              <BacklogStat id="quals-waiting" label={t("overview.qualsWaiting")} backlog={data.review.qualifications} now={data.generated_at} />
            </ul>
          </Card>
          <Relay days={data.relay.days} totals={data.relay} />
        </>
      )}
    </main>
  );
}

function BacklogStat({ id, label, backlog, now }: { id: string; label: string; backlog: Backlog; now: string }) {
  const { t } = useConsole();
  return (
    <li class="stat">
      <strong data-testid={id}>{backlog.waiting}</strong>
      <span>{label}</span>
      <span class="muted">
        {backlog.oldest_submitted_at
          ? t("overview.oldest", { age: formatAge(backlog.oldest_submitted_at, now, t) })
          : t("overview.noneWaiting")}
      </span>
    </li>
  );
}

function Relay({ days, totals }: { days: RelayDay[]; totals: { sponsored: number; self_paid: number; failed: number } }) {
  const { t, locale } = useConsole();
  const day = (iso: string) => new Date(`${iso}T00:00:00Z`).toLocaleDateString(locale, { timeZone: "UTC", month: "short", day: "numeric" });
  const total = totals.sponsored + totals.self_paid;
  const label = t("overview.chartLabel", {
    first: day(days[0]?.day ?? ""),
    last: day(days[days.length - 1]?.day ?? ""),
    sponsored: totals.sponsored,
    selfPaid: totals.self_paid,
    failed: totals.failed,
  });
  return (
    <Card title={t("overview.relay")}>
      <ul class="stat-grid">
        <li class="stat"><strong data-testid="relay-sponsored">{totals.sponsored}</strong><span>{t("overview.sponsored")}</span></li>
        <li class="stat"><strong data-testid="relay-self-paid">{totals.self_paid}</strong><span>{t("overview.selfPaid")}</span></li>
        <li class="stat">
          <strong data-testid="relay-failed">{totals.failed}</strong><span>{t("overview.failed")}</span>
          <span class="muted">{t("overview.failedOf", { failed: totals.failed, total })}</span>
        </li>
      </ul>
      {total === 0 ? <p class="muted">{t("overview.noRelay")}</p> : <RelayChart days={days} label={label} />}
      <details class="relay-table">
        <summary>{t("overview.asTable")}</summary>
        <Table
          caption={t("overview.relay")}
          rowKey={(d) => d.day}
          rows={days}
          columns={[
            { key: "day", label: t("overview.day"), render: (d) => day(d.day) },
            { key: "sponsored", label: t("overview.sponsored"), render: (d) => d.sponsored },
            { key: "self", label: t("overview.selfPaid"), render: (d) => d.self_paid },
            { key: "total", label: t("overview.total"), render: (d) => d.sponsored + d.self_paid },
            { key: "failed", label: t("overview.failed"), render: (d) => d.failed },
          ]}
        />
      </details>
    </Card>
  );
}
