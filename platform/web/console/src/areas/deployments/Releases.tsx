import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { ApiError, unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { BASE } from "../../nav";
import { AppFrame } from "../../pages/AppFrame";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card, Table } from "../../ui/Card";
import { ConfirmDialog } from "../../ui/Dialog";
import { Field, SelectField } from "../../ui/Field";
import {
  checkPercent,
  ENVIRONMENTS,
  isEnvironment,
  newerThanCurrent,
  rollbackTargets,
  type Channel,
  type Environment,
  type Release,
  type ReleaseEvent,
} from "./releases";
import { short, when } from "./shared";

type Pending =
  | { action: "promote"; version: string }
  | { action: "rollback"; version: string }
  | { action: "cancel"; version: string };

/** An app's releases per environment: live version and canary, canary share, promote, rollback. */
export function Releases() {
  const { t } = useConsole();
  const { query } = useLocation();
  const env: Environment = isEnvironment(query.env) ? query.env : "dev";
  return (
    <AppFrame section="releases" title={t("rel.title")}>
      {(app) => (
        <>
          <nav class="dep-envs" aria-label={t("rel.envs")}>
            <ul>
              {ENVIRONMENTS.map((name) => (
                <li key={name}>
                  <a href={`${BASE}/apps/${app.app_id}/releases?env=${name}`} aria-current={name === env ? "page" : undefined}>{name}</a>
                </li>
              ))}
            </ul>
          </nav>
          <ReleasesBody key={env} appId={app.app_id} env={env} />
        </>
      )}
    </AppFrame>
  );
}

function ReleasesBody({ appId, env }: { appId: string; env: Environment }) {
  const { t, api, toast } = useConsole();
  const path = { params: { path: { app_id: appId, environment: env } } };
  const [channel, setChannel] = useState<Channel | null>(null);
  const [history, setHistory] = useState<ReleaseEvent[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [result, setResult] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [acting, setActing] = useState(false);
  const load = () => {
    setLoadError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/environments/{environment}/releases", path)).then(setChannel, (e) =>
      setLoadError(describeError(e, t).message),
    );
    unwrap(api.GET("/api/v1/apps/{app_id}/environments/{environment}/history", path)).then(setHistory, (e) =>
      setLoadError(describeError(e, t).message),
    );
  };
  useEffect(load, [appId, env]);
  const done = (text: string) => {
    setResult({ kind: "ok", text });
    toast("ok", text);
    load();
  };

  const confirm = async () => {
    if (!pending || !channel) return;
    setActing(true);
    setResult(null);
    const versionPath = { params: { path: { ...path.params.path, version: pending.version } } };
    try {
      if (pending.action === "promote") {
        await unwrap(api.POST("/api/v1/apps/{app_id}/environments/{environment}/releases/{version}/promote", versionPath));
        done(t("rel.promoted", { version: pending.version, env }));
      } else if (pending.action === "rollback") {
        await unwrap(api.POST("/api/v1/apps/{app_id}/environments/{environment}/rollback", { ...path, body: { version: pending.version } }));
        done(t("rel.rolledBack", { version: pending.version, env }));
      } else {
        await unwrap(api.POST("/api/v1/apps/{app_id}/environments/{environment}/canary/cancel", path));
        done(t("rel.canary.cancelled", { env, current: channel.current ?? "—" }));
      }
    } catch (e) {
      setResult({ kind: "error", text: describeError(e, t).message });
      load();
    } finally {
      setActing(false);
      setPending(null);
    }
  };

  if (loadError && !channel) return <Alert kind="error">{loadError} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>;
  if (!channel) return <Loading label={t("common.loading")} />;
  const older = new Set(rollbackTargets(channel).map((r) => r.version));
  const newer = new Set(newerThanCurrent(channel).map((r) => r.version));
  const question = !pending ? "" : pending.action === "promote"
    ? t("rel.promoteConfirm", { version: pending.version, env })
    : pending.action === "rollback"
      ? t("rel.rollbackConfirm", { version: pending.version, env })
      : t("rel.canary.cancelConfirm", { version: pending.version, env, current: channel.current ?? "—" });
  return (
    <>
      {result && <Alert kind={result.kind}><span data-testid="release-result">{result.text}</span></Alert>}
      <Card title={t("rel.live.title", { env })}>
        {channel.releases.length === 0 ? <p class="muted">{t("rel.live.none", { env })}</p> : (
          <>
            <dl class="facts">
              <dt>{t("rel.live.current")}</dt>
              <dd data-testid="live-version"><strong>{channel.current ?? t("rel.live.noCurrent")}</strong></dd>
              <dt>{t("rel.live.canary")}</dt>
              <dd data-testid="live-canary">
                {channel.canary ? t("rel.live.canaryShare", { version: channel.canary, percent: channel.canary_percent }) : t("rel.live.noCanary")}
                {channel.canary && (
                  <span class="dep-share" aria-hidden="true"><span style={{ width: `${channel.canary_percent}%` }} /></span>
                )}
              </dd>
            </dl>
            {channel.canary && (
              <div class="actions dep-live-actions">
                <Button small variant="secondary" onClick={() => setPending({ action: "promote", version: channel.canary! })}>
                  {t("rel.promoteNamed", { version: channel.canary })}
                </Button>
                <Button small variant="danger" onClick={() => setPending({ action: "cancel", version: channel.canary! })}>{t("rel.canary.cancel")}</Button>
              </div>
            )}
          </>
        )}
      </Card>
      <CanaryCard appId={appId} env={env} channel={channel} onDone={done} onStart={() => setResult(null)} />
      <Card title={t("rel.versions.title")}>
        {channel.releases.length === 0 ? <p class="muted">{t("rel.versions.empty")}</p> : (
          <Table
            caption={t("rel.versions.title")}
            rows={channel.releases}
            rowKey={(r) => r.version}
            columns={[
              { key: "version", label: t("rel.col.version"), render: (r) => <strong>{r.version}</strong> },
              { key: "status", label: t("rel.col.status"), render: (r) => <ReleaseBadge release={r} percent={channel.canary_percent} /> },
              { key: "commit", label: t("rel.col.commit"), render: (r) => <code>{short(r.commit_sha)}</code> },
              { key: "published", label: t("rel.col.published"), render: (r) => <Published release={r} /> },
              {
                key: "actions",
                label: t("rel.col.actions"),
                render: (r) => (
                  <span class="actions">
                    {newer.has(r.version) && (
                      <Button small variant="secondary" aria-label={t("rel.promoteNamed", { version: r.version })} onClick={() => setPending({ action: "promote", version: r.version })}>{t("rel.promote")}</Button>
                    )}
                    {older.has(r.version) && (
                      <Button small variant="danger" aria-label={t("rel.rollbackNamed", { version: r.version })} onClick={() => setPending({ action: "rollback", version: r.version })}>{t("rel.rollback")}</Button>
                    )}
                  </span>
                ),
              },
            ]}
          />
        )}
      </Card>
      <HistoryCard history={history} />
      <ConfirmDialog
        open={pending !== null}
        danger={pending?.action !== "promote"}
        message={question}
        confirmLabel={pending?.action === "promote" ? t("rel.promote") : pending?.action === "rollback" ? t("rel.rollback") : t("rel.canary.cancel")}
        cancelLabel={t("common.back")}
        onConfirm={() => { if (!acting) void confirm(); }}
        onCancel={() => setPending(null)}
      />
    </>
  );
}

function ReleaseBadge({ release, percent }: { release: Release; percent: number }) {
  const { t } = useConsole();
  const label = release.status === "canary" ? t("rel.status.canary", { percent }) : t(`rel.status.${release.status}` as MessageKey);
  return <span class={`badge rel-${release.status}`}>{label}</span>;
}

/** Who made a change: "you", the platform (automatic changes), or another member's id. */
function Actor({ id }: { id: string }) {
  const { t, account } = useConsole();
  if (id === "system") return <span>{t("rel.system")}</span>;
  if (account && id === account.id) return <span>{t("rel.you")}</span>;
  return <code class="dep-actor" title={id}>{short(id, 8)}</code>;
}

function Published({ release }: { release: Release }) {
  const { locale } = useConsole();
  return <span>{when(release.created_at, locale)} <span class="muted">· <Actor id={release.created_by} /></span></span>;
}

/** The canary form: a version newer than the live one and a share that only grows. */
function CanaryCard({ appId, env, channel, onDone, onStart }: {
  appId: string;
  env: Environment;
  channel: Channel;
  onDone: (text: string) => void;
  onStart: () => void;
}) {
  const { t, api } = useConsole();
  const candidates = newerThanCurrent(channel);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [percentError, setPercentError] = useState<string | undefined>(undefined);
  if (channel.current === null) return null;
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const version = String(data.get("version") ?? "");
    const checked = checkPercent(String(data.get("percent") ?? ""));
    setFailure(null);
    setPercentError(undefined);
    onStart();
    if (checked.percent === null) {
      setPercentError(t(checked.problem === "required" ? "rel.canary.required" : "rel.canary.range"));
      form.querySelector<HTMLElement>('[name="percent"]')?.focus();
      return;
    }
    setBusy(true);
    try {
      await unwrap(
        api.POST("/api/v1/apps/{app_id}/environments/{environment}/releases/{version}/canary", {
          params: { path: { app_id: appId, environment: env, version } },
          body: { percent: checked.percent },
        }),
      );
      onDone(t("rel.canary.done", { version, percent: checked.percent, env }));
    } catch (e) {
      const shown = describeError(e, t);
      if (e instanceof ApiError && e.problem.code === "canary_percent_decrease") {
        const at = typeof e.problem.percent === "number" ? e.problem.percent : channel.canary_percent;
        setPercentError(t("rel.canary.decrease", { percent: at }));
        setFailure(t("error.fieldsBelow"));
        form.querySelector<HTMLElement>('[name="percent"]')?.focus();
      } else if (shown.fields.percent) {
        setPercentError(shown.fields.percent);
        setFailure(shown.message);
      } else {
        setFailure(shown.message);
      }
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t("rel.canary.title")}>
      <p class="muted">{t("rel.canary.intro")}</p>
      {candidates.length === 0 ? <p class="muted">{t("rel.canary.none")}</p> : (
        <>
          {failure && <Alert kind="error">{failure}</Alert>}
          <form onSubmit={submit} aria-label={t("rel.canary.title")} noValidate>
            <div class="row">
              <SelectField name="version" label={t("rel.canary.version")} options={candidates.map((r) => ({ value: r.version, label: r.version }))} />
              <Field name="percent" label={t("rel.canary.percent")} hint={t("rel.canary.percentHint")} type="number" min={1} max={100} step={1}
                inputMode="numeric" defaultValue={String(channel.canary ? channel.canary_percent : 10)} error={percentError} />
            </div>
            <Button type="submit" busy={busy}>{t("rel.canary.submit")}</Button>
          </form>
        </>
      )}
    </Card>
  );
}

function HistoryCard({ history }: { history: ReleaseEvent[] | null }) {
  const { t, locale } = useConsole();
  return (
    <Card title={t("rel.history.title")}>
      {history === null ? <Loading label={t("common.loading")} /> : history.length === 0 ? <p class="muted">{t("rel.history.empty")}</p> : (
        <Table
          caption={t("rel.history.title")}
          rows={history}
          rowKey={(e) => String(e.id)}
          columns={[
            { key: "when", label: t("rel.col.when"), render: (e) => when(e.at, locale) },
            { key: "action", label: t("rel.col.action"), render: (e) => (
              ["released", "published", "canary", "promoted", "rolled_back", "canary_cancelled"].includes(e.action) ? t(`rel.action.${e.action}` as MessageKey) : e.action
            ) },
            { key: "version", label: t("rel.col.version"), render: (e) => <strong>{e.version}</strong> },
            { key: "previous", label: t("rel.col.previous"), render: (e) => e.previous_version ?? "" },
            { key: "share", label: t("rel.col.share"), render: (e) => (e.canary_percent ? `${e.canary_percent}%` : "") },
            { key: "by", label: t("rel.col.by"), render: (e) => <Actor id={e.actor} /> },
            { key: "reason", label: t("rel.col.reason"), render: (e) => e.reason },
          ]}
        />
      )}
    </Card>
  );
}
