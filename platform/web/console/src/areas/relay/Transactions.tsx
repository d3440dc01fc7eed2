import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { BASE } from "../../nav";
import { ENVIRONMENTS } from "../../pages/keys";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card, Table } from "../../ui/Card";
import { STATES, formatWei, shortHex } from "./format";
import { StateBadge } from "./StateBadge";

type Item = components["schemas"]["RelayedTransactionItem"];
type State = (typeof STATES)[number];
type Environment = components["schemas"]["ChainEnvironment"];

/** The app's relayed transactions, newest first, a page at a time, filtered by state and environment. */
export function Transactions({ appId }: { appId: string }) {
  const { t, api, locale } = useConsole();
  const [status, setStatus] = useState("");
  const [environment, setEnvironment] = useState("");
  const [items, setItems] = useState<Item[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const fetchPage = (cursor: string | null) =>
    unwrap(
      api.GET("/api/v1/apps/{app_id}/relay/transactions", {
        params: {
          path: { app_id: appId },
          query: {
            status: (status || undefined) as State | undefined,
            environment: (environment || undefined) as Environment | undefined,
            cursor: cursor ?? undefined,
          },
        },
      }),
    );
  const load = () => {
    setItems(null);
    setError(null);
    fetchPage(null).then(
      (page) => { setItems(page.items); setNext(page.next_cursor); },
      (e) => setError(describeError(e, t).message),
    );
  };
  useEffect(load, [appId, status, environment]);
  const loadMore = () => {
    setMore(true);
    fetchPage(next).then(
      (page) => { setItems((all) => [...(all ?? []), ...page.items]); setNext(page.next_cursor); },
      (e) => setError(describeError(e, t).message),
    ).finally(() => setMore(false));
  };
  const when = (value: string) => new Date(value).toLocaleString(locale);
  const filtered = status !== "" || environment !== "";
  return (
    <Card title={t("relay.transactions")}>
      <div class="relay-filters" role="group" aria-label={t("relay.filters")}>
        <label for="relay-filter-status">{t("relay.filter.status")}</label>
        <select id="relay-filter-status" value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">{t("relay.filter.any")}</option>
          {STATES.map((s) => <option key={s} value={s}>{t(`relay.state.${s}` as MessageKey)}</option>)}
        </select>
        <label for="relay-filter-environment">{t("relay.filter.environment")}</label>
        <select id="relay-filter-environment" value={environment} onChange={(e) => setEnvironment((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">{t("relay.filter.any")}</option>
          {ENVIRONMENTS.map((env) => <option key={env} value={env}>{env}</option>)}
        </select>
      </div>
      {error ? (
        <Alert kind="error">{error} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
      ) : items === null ? (
        <Loading label={t("common.loading")} />
      ) : items.length === 0 ? (
        <p class="muted">{filtered ? t("relay.noMatch") : t("relay.noTransactions")}</p>
      ) : (
        <div class="relay-table">
          <Table
            caption={t("relay.transactions")}
            rows={items}
            rowKey={(tx) => tx.hash}
            columns={[
              { key: "state", label: t("relay.col.status"), render: (tx) => <StateBadge state={tx.state} t={t} /> },
              {
                key: "hash",
                label: t("relay.col.hash"),
                render: (tx) => (
                  <a href={`${BASE}/apps/${appId}/relay/transactions/${tx.hash}`} aria-label={t("relay.openTx", { hash: tx.hash })}>
                    <code>{shortHex(tx.hash)}</code>
                  </a>
                ),
              },
              {
                key: "route",
                label: t("relay.col.fromTo"),
                render: (tx) => (
                  <span><code title={tx.sender}>{shortHex(tx.sender)}</code> → <code title={tx.to ?? ""}>{shortHex(tx.to)}</code></span>
                ),
              },
              {
                key: "kind",
                label: t("relay.col.paidBy"),
                render: (tx) => (tx.sponsored ? <span class="badge relay-info">{t("relay.sponsored")}</span> : t("relay.userPays")),
              },
              { key: "gas", label: t("relay.col.gasUsed"), render: (tx) => tx.gas_used ?? "—" },
              { key: "fee", label: t("relay.col.fee"), render: (tx) => <span title={tx.fee_wei ? `${tx.fee_wei} wei` : undefined}>{formatWei(tx.fee_wei)}</span> },
              { key: "block", label: t("relay.col.block"), render: (tx) => tx.block_number ?? "—" },
              { key: "time", label: t("relay.col.time"), render: (tx) => when(tx.created_at) },
              {
                key: "error",
                label: t("relay.col.error"),
                render: (tx) => (tx.error_code ? <span title={tx.error ?? undefined}><code>{tx.error_code}</code></span> : "—"),
              },
            ]}
          />
          {next && (
            <p><Button variant="secondary" busy={more} onClick={loadMore}>{t("relay.loadMore")}</Button></p>
          )}
        </div>
      )}
    </Card>
  );
}
