import { useRoute } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { ApiError, unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import { BASE } from "../../nav";
import { AppFrame } from "../../pages/AppFrame";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card, Table } from "../../ui/Card";
import { DeliveryTable } from "./Deliveries";
import { formatWei } from "./format";
import { StateBadge } from "./StateBadge";

type Detail = components["schemas"]["TransactionDetail"];
type Log = components["schemas"]["ReceiptLog"];

/** One relayed transaction: its record, its receipt with the logs, its attempts and webhook events. */
export function TransactionDetail() {
  const { t, api, locale } = useConsole();
  const { params } = useRoute();
  const appId = params.id ?? "";
  const hash = params.hash ?? "";
  const [tx, setTx] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    setError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/relay/transactions/{tx_hash}", { params: { path: { app_id: appId, tx_hash: hash } } })).then(
      setTx,
      (e) => setError(e instanceof ApiError && e.problem.status === 404 ? t("relay.txNotFound") : describeError(e, t).message),
    );
  };
  useEffect(load, [appId, hash]);
  const when = (value: string | null | undefined) => (value ? new Date(value).toLocaleString(locale) : "—");
  const wei = (value: string | null | undefined) => (value ? <span title={`${value} wei`}>{formatWei(value)}</span> : "—");
  return (
    <AppFrame section="relay" title={t("relay.txTitle")}>
      {() => (
        <>
          <p><a href={`${BASE}/apps/${appId}/relay`}>{t("relay.backToRelay")}</a></p>
          {error ? (
            <Alert kind="error">{error} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
          ) : tx === null ? (
            <Loading label={t("common.loading")} />
          ) : (
            <>
              <Card title={t("relay.txRecord")}>
                <dl class="facts">
                  <dt>{t("relay.col.status")}</dt><dd><StateBadge state={tx.state} t={t} /></dd>
                  <dt>{t("relay.col.hash")}</dt><dd><code data-testid="tx-hash">{tx.hash}</code></dd>
                  <dt>{t("relay.environment")}</dt><dd>{tx.environment} · {t("relay.chain", { id: tx.chain_id })}</dd>
                  <dt>{t("relay.from")}</dt><dd><code>{tx.sender}</code></dd>
                  <dt>{t("relay.to")}</dt><dd><code>{tx.to ?? "—"}</code></dd>
                  <dt>{t("relay.col.paidBy")}</dt>
                  <dd>{tx.sponsored ? <>{t("relay.sponsored")} · <code>{tx.relayer}</code></> : t("relay.userPays")}</dd>
                  <dt>{t("relay.nonce")}</dt><dd>{tx.nonce}</dd>
                  <dt>{t("relay.value")}</dt><dd>{wei(tx.value)}</dd>
                  <dt>{t("relay.gasLimit")}</dt><dd>{tx.gas_limit}</dd>
                  <dt>{t("relay.maxFee")}</dt><dd>{wei(tx.max_fee_per_gas)}</dd>
                  <dt>{t("relay.confirmations")}</dt><dd>{t("relay.confirmationsOf", { count: tx.confirmations, required: tx.required_confirmations })}</dd>
                  {tx.error_code && <><dt>{t("relay.col.error")}</dt><dd><code>{tx.error_code}</code> {tx.error}</dd></>}
                  <dt>{t("relay.created")}</dt><dd>{when(tx.created_at)}</dd>
                  <dt>{t("relay.submitted")}</dt><dd>{when(tx.submitted_at)}</dd>
                  <dt>{t("relay.mined")}</dt><dd>{when(tx.mined_at)}</dd>
                  <dt>{t("relay.finished")}</dt><dd>{when(tx.finished_at)}</dd>
                </dl>
              </Card>
              <Card title={t("relay.receipt")}>
                {tx.receipt === null || tx.receipt === undefined ? (
                  <p class="muted">{t("relay.noReceipt")}</p>
                ) : (
                  <>
                    <dl class="facts">
                      <dt>{t("relay.receiptStatus")}</dt>
                      <dd>{tx.receipt.status === 1 ? <span class="badge relay-ok">{t("relay.success")}</span> : tx.receipt.status === 0 ? <span class="badge relay-bad">{t("relay.reverted")}</span> : "—"}</dd>
                      <dt>{t("relay.col.block")}</dt><dd>{tx.receipt.block_number ?? "—"}</dd>
                      <dt>{t("relay.blockHash")}</dt><dd><code>{tx.receipt.block_hash ?? "—"}</code></dd>
                      <dt>{t("relay.txIndex")}</dt><dd>{tx.receipt.transaction_index ?? "—"}</dd>
                      <dt>{t("relay.col.gasUsed")}</dt><dd>{tx.receipt.gas_used ?? "—"}</dd>
                      <dt>{t("relay.gasPrice")}</dt><dd>{wei(tx.receipt.effective_gas_price)}</dd>
                      <dt>{t("relay.col.fee")}</dt><dd>{wei(tx.receipt.fee_wei)}</dd>
                    </dl>
                    <h3 class="relay-sub">{t("relay.logs")}</h3>
                    {tx.receipt.logs === null || tx.receipt.logs === undefined ? (
                      <p class="muted">{tx.receipt.logs_error === "receipt_not_found" ? t("relay.logsGone") : t("relay.logsUnavailable")}</p>
                    ) : tx.receipt.logs.length === 0 ? (
                      <p class="muted">{t("relay.noLogs")}</p>
                    ) : (
                      <Table<Log>
                        caption={t("relay.logs")}
                        rows={tx.receipt.logs}
                        rowKey={(log) => String(log.log_index ?? log.topics.join())}
                        columns={[
                          { key: "index", label: "#", render: (log) => log.log_index ?? "—" },
                          { key: "address", label: t("relay.logAddress"), render: (log) => <code>{log.address}</code> },
                          { key: "topics", label: t("relay.logTopics"), render: (log) => <ol class="relay-topics">{log.topics.map((topic) => <li key={topic}><code>{topic}</code></li>)}</ol> },
                          { key: "data", label: t("relay.logData"), render: (log) => <code>{log.data}</code> },
                        ]}
                      />
                    )}
                  </>
                )}
              </Card>
              {tx.attempts && tx.attempts.length > 1 && (
                <Card title={t("relay.attempts")}>
                  <ol>
                    {tx.attempts.map((attempt) => (
                      <li key={attempt.hash}><code>{attempt.hash}</code> · {wei(attempt.max_fee_per_gas)} · {when(attempt.sent_at)}</li>
                    ))}
                  </ol>
                </Card>
              )}
              <Card title={t("relay.txEvents")}>
                {tx.deliveries && tx.deliveries.length > 0 ? (
                  <DeliveryTable appId={appId} rows={tx.deliveries} showTx={false} />
                ) : (
                  <p class="muted">{t("relay.noTxEvents")}</p>
                )}
              </Card>
            </>
          )}
        </>
      )}
    </AppFrame>
  );
}
