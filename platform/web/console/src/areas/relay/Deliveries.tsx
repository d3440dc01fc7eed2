import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import { BASE } from "../../nav";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Table } from "../../ui/Card";
import { shortHex } from "./format";
import { StateBadge } from "./StateBadge";

type Delivery = components["schemas"]["WebhookDeliveryOut"];

/** A table of webhook events: what was sent, how the endpoint answered, when it is tried again. */
export function DeliveryTable({ appId, rows, showTx = true }: { appId: string; rows: Delivery[]; showTx?: boolean }) {
  const { t, locale } = useConsole();
  const when = (value: string | null) => (value ? new Date(value).toLocaleString(locale) : "—");
  return (
    <div class="relay-table">
    <Table
      caption={t("relay.deliveries")}
      rows={rows}
      rowKey={(d) => d.id}
      columns={[
        { key: "event", label: t("relay.col.event"), render: (d) => <code>{d.event_type}</code> },
        ...(showTx
          ? [{
              key: "tx",
              label: t("relay.col.hash"),
              render: (d: Delivery) =>
                d.transaction_hash ? <a href={`${BASE}/apps/${appId}/relay/transactions/${d.transaction_hash}`}><code>{shortHex(d.transaction_hash)}</code></a> : "—",
            }]
          : []),
        { key: "status", label: t("relay.col.status"), render: (d) => <StateBadge state={d.status} t={t} kind="delivery" /> },
        { key: "code", label: t("relay.col.statusCode"), render: (d) => (d.status_code === null ? "—" : <span title={d.last_error ?? undefined}>{d.status_code}</span>) },
        { key: "attempts", label: t("relay.col.attempts"), render: (d) => d.attempts },
        { key: "next", label: t("relay.col.nextRetry"), render: (d) => when(d.next_attempt_at) },
        { key: "time", label: t("relay.col.time"), render: (d) => when(d.created_at) },
        { key: "error", label: t("relay.col.lastError"), render: (d) => d.last_error ?? "—" },
      ]}
    />
    </div>
  );
}

/** The endpoint's delivery log, newest first, a page at a time; `version` reloads it. */
export function Deliveries({ appId, version }: { appId: string; version: number }) {
  const { t, api } = useConsole();
  const [rows, setRows] = useState<Delivery[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const fetchPage = (cursor: string | null) =>
    unwrap(api.GET("/api/v1/apps/{app_id}/relay/webhook/deliveries", { params: { path: { app_id: appId }, query: { cursor: cursor ?? undefined } } }));
  const load = () => {
    setError(null);
    fetchPage(null).then((page) => { setRows(page.items); setNext(page.next_cursor); }, (e) => setError(describeError(e, t).message));
  };
  useEffect(load, [appId, version]);
  const loadMore = () => {
    setMore(true);
    fetchPage(next)
      .then((page) => { setRows((all) => [...(all ?? []), ...page.items]); setNext(page.next_cursor); }, (e) => setError(describeError(e, t).message))
      .finally(() => setMore(false));
  };
  return (
    <section aria-labelledby="relay-deliveries">
      <h3 id="relay-deliveries" class="relay-sub">{t("relay.deliveries")}</h3>
      {error ? (
        <Alert kind="error">{error} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
      ) : rows === null ? (
        <Loading label={t("common.loading")} />
      ) : rows.length === 0 ? (
        <p class="muted">{t("relay.noDeliveries")}</p>
      ) : (
        <>
          <DeliveryTable appId={appId} rows={rows} />
          {next && <p><Button variant="secondary" busy={more} onClick={loadMore}>{t("relay.loadMore")}</Button></p>}
        </>
      )}
    </section>
  );
}
