import { useRoute } from "preact-iso";
import { useEffect, useReducer, useRef, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { BASE } from "../../nav";
import { AppFrame } from "../../pages/AppFrame";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card, Table } from "../../ui/Card";
import { ConfirmDialog } from "../../ui/Dialog";
import { auditOf, bySeverity, productionState, where, type Audit } from "./audit";
import {
  boundedLog,
  failureOf,
  FINISHED,
  initialProgress,
  logsOf,
  progressReducer,
  stageRows,
  type DeploymentDetail,
  type ProgressState,
} from "./progress";
import { DeployStatus, short, when } from "./shared";
import { followDeployment } from "./stream";

type Contract = components["schemas"]["DeployedContractOut"];

/** One deployment: its live progress, stages, logs, audit and contracts, cancel and retry. */
export function Deployment() {
  const { t } = useConsole();
  const { params } = useRoute();
  const id = params.deploymentId ?? "";
  const [generation, setGeneration] = useState(0);
  return (
    <AppFrame section="deployments" title={t("dep.detail.title", { id: short(id, 8) })}>
      {(app) => <DeploymentBody key={`${id}:${generation}`} appId={app.app_id} id={id} onRetried={() => setGeneration((n) => n + 1)} />}
    </AppFrame>
  );
}

function DeploymentBody({ appId, id, onRetried }: { appId: string; id: string; onRetried: () => void }) {
  const { t, api, locale, toast } = useConsole();
  const [progress, dispatch] = useReducer(progressReducer, initialProgress);
  const [detail, setDetail] = useState<DeploymentDetail | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [lost, setLost] = useState<string | null>(null);
  const [pending, setPending] = useState<"cancel" | "retry" | null>(null);
  const [acting, setActing] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const path = { params: { path: { app_id: appId, deployment_id: id } } };
  const lastId = useRef(0);
  lastId.current = progress.lastId;

  const fetchDetail = (after: number) =>
    unwrap(api.GET("/api/v1/apps/{app_id}/deployments/{deployment_id}", { params: { ...path.params, query: { after } } }));
  const refresh = () =>
    fetchDetail(lastId.current).then(
      (found) => {
        setDetail(found);
        dispatch({ type: "loaded", detail: found });
        return found;
      },
      (e) => {
        setLoadError(describeError(e, t).message);
        return null;
      },
    );

  // Load once, then follow the stream from the last event the detail had, until the outcome.
  useEffect(() => {
    let stop = () => undefined as void;
    let gone = false;
    void refresh().then((found) => {
      if (!found || gone || FINISHED.has(found.status)) return;
      const after = found.events.length ? found.events[found.events.length - 1]!.id : 0;
      stop = followDeployment({
        url: (from) => `/api/v1/apps/${encodeURIComponent(appId)}/deployments/${encodeURIComponent(id)}/events?after=${from}`,
        after,
        dispatch,
        poll: async (from) => {
          const answer = await fetchDetail(from);
          setDetail(answer);
          return { events: answer.events, outcome: answer };
        },
        onLost: (e) => setLost(describeError(e, t).message),
      });
    });
    return () => {
      gone = true;
      stop();
    };
  }, [appId, id]);

  // What a stage produced (the audit, the contracts) and the outcome are in the detail: read it
  // again when a stage ends and when the deployment does.
  const last = progress.events[progress.events.length - 1];
  const stageEnded = last && ["succeeded", "failed", "cancel_requested", "cancelled"].includes(last.status) ? last.id : 0;
  useEffect(() => {
    if (stageEnded && detail) void refresh();
  }, [stageEnded, progress.connection === "ended"]);

  const act = async () => {
    if (!pending) return;
    setActing(true);
    setActionError(null);
    try {
      if (pending === "cancel") {
        const done = await unwrap(api.POST("/api/v1/apps/{app_id}/deployments/{deployment_id}/cancel", path));
        const message = done.cancel_requested ? t("dep.cancelRequested", { stage: done.stage ?? "" }) : t("dep.cancelled");
        setNotice(message);
        toast("ok", message);
        void refresh();
      } else {
        await unwrap(api.POST("/api/v1/apps/{app_id}/deployments/{deployment_id}/retry", path));
        toast("ok", t("dep.retried"));
        onRetried();
      }
    } catch (e) {
      setActionError(describeError(e, t).message);
    } finally {
      setActing(false);
      setPending(null);
    }
  };

  if (loadError && !detail) return <Alert kind="error">{loadError} <Button small variant="secondary" onClick={() => void refresh()}>{t("common.retry")}</Button></Alert>;
  if (!detail) return <Loading label={t("common.loading")} />;
  const finished = FINISHED.has(progress.status);
  const failure = failureOf(progress);
  const version = (detail.manifest as { app?: { version?: string } } | null)?.app?.version;
  return (
    <>
      <p><a href={`${BASE}/apps/${appId}/deployments`}>← {t("dep.detail.back")}</a></p>
      <Card title={t("dep.detail.summary")}>
        <div class="dep-status-line">
          <span data-testid="deployment-status"><DeployStatus status={progress.status} t={t} /></span>
          <ConnectionNote progress={progress} lost={lost} />
        </div>
        <dl class="facts">
          <dt>{t("dep.col.environment")}</dt><dd>{detail.environment}</dd>
          <dt>{t("dep.col.ref")}</dt><dd><code>{detail.ref}</code></dd>
          <dt>{t("dep.col.commit")}</dt><dd><code>{detail.commit_sha ?? "—"}</code></dd>
          {version && <><dt>{t("dep.detail.version")}</dt><dd>{version}</dd></>}
          <dt>{t("dep.detail.rollout")}</dt><dd>{detail.rollout}</dd>
          <dt>{t("dep.detail.trigger")}</dt><dd>{detail.trigger}</dd>
          <dt>{t("dep.detail.requested")}</dt><dd>{when(detail.created_at, locale)}</dd>
          {detail.finished_at && <><dt>{t("dep.detail.finished")}</dt><dd>{when(detail.finished_at, locale)}</dd></>}
        </dl>
        {detail.cancel_requested && !finished && <Alert kind="info">{t("dep.detail.cancelPending")}</Alert>}
        {notice && <Alert kind="ok">{notice}</Alert>}
        {actionError && <Alert kind="error">{actionError}</Alert>}
        {failure && (
          <Alert kind="error">
            <p>{failure.stage ? t("dep.failure", { stage: failure.stage, detail: failure.detail }) : t("dep.failureNoStage", { detail: failure.detail })}</p>
            <p>{t("dep.failureCode", { code: failure.code })}</p>
            {failure.logTail && (
              <>
                <p>{t("dep.logTail")}</p>
                <pre class="log" tabIndex={0}>{failure.logTail}</pre>
              </>
            )}
          </Alert>
        )}
        <div class="actions dep-actions">
          {!finished && <Button variant="danger" onClick={() => setPending("cancel")}>{t("dep.cancel")}</Button>}
          {(progress.status === "failed" || progress.status === "cancelled") && (
            <Button variant="secondary" onClick={() => setPending("retry")}>{t("dep.retry")}</Button>
          )}
        </div>
      </Card>
      <StagesCard progress={progress} />
      <AuditCard audit={auditOf(detail.artifacts)} hasContracts={detail.manifest === null || Boolean((detail.manifest as { contracts?: unknown[] }).contracts?.length)} />
      <ContractsCard appId={appId} detail={detail} refreshKey={stageEnded} />
      <LogsCard appId={appId} id={id} progress={progress} />
      <EventsCard progress={progress} />
      <ConfirmDialog
        open={pending !== null}
        danger={pending === "cancel"}
        message={pending === "cancel" ? t("dep.cancelConfirm") : t("dep.retryConfirm")}
        confirmLabel={pending === "cancel" ? t("dep.cancel") : t("dep.retry")}
        cancelLabel={t("common.back")}
        onConfirm={() => { if (!acting) void act(); }}
        onCancel={() => setPending(null)}
      />
    </>
  );
}

function ConnectionNote({ progress, lost }: { progress: ProgressState; lost: string | null }) {
  const { t } = useConsole();
  if (lost) return <span class="dep-conn error" role="alert">{t("dep.conn.lost", { reason: lost })}</span>;
  if (progress.connection === "ended") return null;
  return <span class={`dep-conn ${progress.connection}`} role="status">{t(`dep.conn.${progress.connection}` as MessageKey)}</span>;
}

function StagesCard({ progress }: { progress: ProgressState }) {
  const { t, locale } = useConsole();
  return (
    <Card title={t("dep.stages.title")}>
      <ol class="dep-stages" aria-live="polite">
        {stageRows(progress).map((row) => (
          <li key={row.name} class={`dep-stage ${row.status}`} data-testid={`stage-${row.name}`}>
            <span class="dep-stage-mark" aria-hidden="true" />
            <strong>{row.name}</strong>
            <span class={`badge stage-${row.status}`}>{t(`dep.stage.${row.status}` as MessageKey)}</span>
            {row.at && <span class="muted nowrap">{when(row.at, locale)}</span>}
            {row.message && <span class="dep-stage-message">{row.message}</span>}
          </li>
        ))}
      </ol>
    </Card>
  );
}

function AuditCard({ audit, hasContracts }: { audit: Audit | null; hasContracts: boolean }) {
  const { t, locale } = useConsole();
  if (!audit) {
    return <Card title={t("dep.audit.title")}><p class="muted">{hasContracts ? t("dep.audit.none") : t("dep.audit.noContracts")}</p></Card>;
  }
  const state = productionState(audit);
  const groups = bySeverity(audit.findings);
  const ratingHelp = ["A", "B", "C", "D", "E"].includes(audit.rating) ? t(`dep.audit.ratingHelp.${audit.rating}` as MessageKey) : "";
  return (
    <Card title={t("dep.audit.title")}>
      <div class="dep-rating-row">
        <span class={`dep-rating r-${audit.rating}`} data-testid="audit-rating" aria-label={`${t("dep.audit.rating")} ${audit.rating}`}>{audit.rating}</span>
        <div>
          <p><strong>{t("dep.audit.rating")} {audit.rating}</strong> — {ratingHelp}</p>
          <p class="muted">{t("dep.audit.tool", { tool: audit.tool })} {audit.cached && t("dep.audit.cached")}</p>
        </div>
      </div>
      <Alert kind={state === "blocked" ? "error" : state === "overridden" ? "info" : "ok"}>
        <p data-testid="audit-production">
          {state === "blocked" ? t("dep.audit.blocked", { count: audit.blocking }) : state === "overridden" ? t("dep.audit.overridden") : t("dep.audit.allowed")}
        </p>
        {audit.override && <p>{t("dep.audit.overrideBy", { by: audit.override.by, at: when(audit.override.at, locale), reason: audit.override.reason })}</p>}
      </Alert>
      {groups.length === 0 ? <p class="muted">{t("dep.audit.noFindings")}</p> : groups.map((group) => (
        <details key={group.impact} class={`dep-findings impact-${group.impact}`} open={group.impact === "High"}>
          <summary>{t(`dep.audit.impact.${group.impact}` as MessageKey)} ({group.findings.length})</summary>
          <ul>
            {group.findings.map((f, i) => (
              <li key={`${f.check}-${i}`}>
                <code>{f.check}</code> <span class="muted">{t("dep.audit.confidence", { confidence: f.confidence })} · <code>{where(f)}</code></span>
                <p class="dep-finding-text">{f.description}</p>
              </li>
            ))}
          </ul>
        </details>
      ))}
    </Card>
  );
}

interface InProgressContract {
  name: string;
  status: string;
  address?: string;
  transaction_hash?: string;
  source_verified?: boolean;
}

function ContractsCard({ appId, detail, refreshKey }: { appId: string; detail: DeploymentDetail; refreshKey: number }) {
  const { t, api } = useConsole();
  const [deployed, setDeployed] = useState<Contract[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const environment = detail.environment as "dev" | "test" | "prod";
  useEffect(() => {
    unwrap(api.GET("/api/v1/apps/{app_id}/deployed-contracts", { params: { path: { app_id: appId }, query: { environment } } })).then(
      (rows) => setDeployed(rows.filter((row) => row.deployment_id === detail.id)),
      (e) => setError(describeError(e, t).message),
    );
  }, [appId, detail.id, refreshKey]);
  const artifacts = (detail.artifacts as { contracts?: { chain_id?: number; deployed?: InProgressContract[] } } | null)?.contracts;
  const onTheWay = (artifacts?.deployed ?? []).filter((c) => !deployed?.some((d) => d.name === c.name));
  const rows = [
    ...(deployed ?? []).map((c) => ({ name: c.name, status: "deployed", address: c.address, chain: c.chain_id, tx: c.transaction_hash, verified: c.source_verified })),
    ...onTheWay.map((c) => ({ name: c.name, status: c.status, address: c.address ?? "", chain: artifacts?.chain_id ?? 0, tx: c.transaction_hash ?? "", verified: c.source_verified ?? false })),
  ];
  return (
    <Card title={t("dep.contracts.title")}>
      {error ? <Alert kind="error">{error}</Alert> : deployed === null ? <Loading label={t("common.loading")} /> : rows.length === 0 ? (
        <p class="muted">{t("dep.contracts.none")}</p>
      ) : (
        <Table
          caption={t("dep.contracts.title")}
          rows={rows}
          rowKey={(row) => row.name}
          columns={[
            { key: "name", label: t("dep.contracts.name"), render: (row) => <strong>{row.name}</strong> },
            { key: "address", label: t("dep.contracts.address"), render: (row) => <code data-testid={`address-${row.name}`}>{row.address || "—"}</code> },
            { key: "chain", label: t("dep.contracts.chain"), render: (row) => (row.chain ? String(row.chain) : "—") },
            { key: "status", label: t("dep.contracts.status"), render: (row) => (
              <span>
                {["signed", "sent", "mined", "deployed"].includes(row.status) ? t(`dep.contracts.status.${row.status}` as MessageKey) : row.status}
                {row.status === "deployed" && <> · {row.verified ? t("dep.contracts.verified") : t("dep.contracts.notVerified")}</>}
              </span>
            ) },
            { key: "tx", label: t("dep.contracts.tx"), render: (row) => <code class="nowrap" title={row.tx}>{short(row.tx, 18)}</code> },
          ]}
        />
      )}
    </Card>
  );
}

function LogsCard({ appId, id, progress }: { appId: string; id: string; progress: ProgressState }) {
  const { t, api } = useConsole();
  const logs = logsOf(progress.events);
  const [chosen, setChosen] = useState<string>("");
  const [content, setContent] = useState<{ name: string; text: string; cut: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const pre = useRef<HTMLPreElement>(null);
  const name = chosen || logs[logs.length - 1]?.name || "";
  const show = async () => {
    setBusy(true);
    setError(null);
    try {
      const text = await unwrap(
        api.GET("/api/v1/apps/{app_id}/deployments/{deployment_id}/logs/{name}", {
          params: { path: { app_id: appId, deployment_id: id, name } },
          parseAs: "text",
        }),
      );
      setContent({ name, ...boundedLog(String(text ?? "")) });
    } catch (e) {
      setError(describeError(e, t).message);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [content]);
  return (
    <Card title={t("dep.logs.title")}>
      {logs.length === 0 ? <p class="muted">{t("dep.logs.none")}</p> : (
        <>
          <div class="actions dep-log-pick">
            <label for="dep-log-name">{t("dep.logs.choose")}</label>
            <select id="dep-log-name" value={name} onChange={(e) => setChosen((e.currentTarget as HTMLSelectElement).value)}>
              {logs.map((log) => <option key={log.name} value={log.name}>{`${log.name} (${log.stage}, ${log.bytes} B)`}</option>)}
            </select>
            <Button small variant="secondary" busy={busy} onClick={() => void show()}>{t("dep.logs.show")}</Button>
          </div>
          {error && <Alert kind="error">{error}</Alert>}
          {content && (
            <>
              {content.cut && <p class="muted">{t("dep.logs.cut")}</p>}
              <pre ref={pre} class="log dep-log" tabIndex={0} aria-label={content.name} data-testid="build-log">{content.text || t("dep.logs.empty")}</pre>
            </>
          )}
        </>
      )}
    </Card>
  );
}

function EventsCard({ progress }: { progress: ProgressState }) {
  const { t, locale } = useConsole();
  return (
    <Card>
      <details>
        <summary>{t("dep.events.title", { count: progress.events.length })}</summary>
        <Table
          caption={t("dep.events.title", { count: progress.events.length })}
          rows={progress.events}
          rowKey={(e) => String(e.id)}
          columns={[
            { key: "at", label: t("dep.events.when"), render: (e) => when(e.at, locale) },
            { key: "stage", label: t("dep.events.stage"), render: (e) => e.stage },
            { key: "status", label: t("dep.events.status"), render: (e) => e.status },
            { key: "message", label: t("dep.events.message"), render: (e) => <span class="dep-event-message">{e.message}</span> },
          ]}
        />
      </details>
    </Card>
  );
}
