import { useLocation, useRoute } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { ApiError, unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import { BASE } from "../../nav";
import { AppFrame } from "../../pages/AppFrame";
import { text, useSubmit } from "../../pages/form";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card, Table } from "../../ui/Card";
import { Field, SelectField } from "../../ui/Field";
import { ENVIRONMENTS, type Environment } from "./releases";
import { DeployStatus, short, when } from "./shared";

type Repo = components["schemas"]["DeployOut"];
type Deployment = components["schemas"]["DeploymentOut"];
type Check = components["schemas"]["RepositoryCheckOut"];
type Webhook = components["schemas"]["WebhookSetupOut"];

/** An app's deployments: the connected repository, a deploy request and the recent deployments. */
export function Deployments() {
  const { t } = useConsole();
  return (
    <AppFrame section="deployments" title={t("dep.title")}>
      {(app) => <DeploymentsBody appId={app.app_id} />}
    </AppFrame>
  );
}

function DeploymentsBody({ appId }: { appId: string }) {
  const { t, api } = useConsole();
  const path = { params: { path: { app_id: appId } } };
  const [repo, setRepo] = useState<Repo | null>(null);
  const [repoError, setRepoError] = useState<string | null>(null);
  const loadRepo = () => {
    setRepoError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/deploy", path)).then(setRepo, (e) => setRepoError(describeError(e, t).message));
  };
  useEffect(loadRepo, [appId]);
  return (
    <>
      {repoError ? (
        <Alert kind="error">{repoError} <Button small variant="secondary" onClick={loadRepo}>{t("common.retry")}</Button></Alert>
      ) : repo === null ? (
        <Loading label={t("common.loading")} />
      ) : (
        <>
          <RepositoryCard appId={appId} repo={repo} onSaved={setRepo} />
          <DeployCard appId={appId} repo={repo} />
        </>
      )}
      <DeploymentList appId={appId} />
    </>
  );
}

function RepositoryCard({ appId, repo, onSaved }: { appId: string; repo: Repo; onSaved: (repo: Repo) => void }) {
  const { t, api, toast } = useConsole();
  const path = { params: { path: { app_id: appId } } };
  const connected = Boolean(repo.repo_url);
  const [editing, setEditing] = useState(!connected);
  const [check, setCheck] = useState<Check | null>(null);
  const [checkError, setCheckError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const { busy, failure, fields, onSubmit } = useSubmit(
    (form) =>
      unwrap(
        api.PUT("/api/v1/apps/{app_id}/deploy", {
          ...path,
          body: { repo_url: text(form, "repo_url"), repo_branch: text(form, "repo_branch") || "main" },
        }),
      ),
    (saved) => {
      onSaved(saved);
      setEditing(false);
      setCheck(null);
      toast("ok", t("dep.repo.saved"));
    },
  );
  const runCheck = async () => {
    setChecking(true);
    setCheckError(null);
    setCheck(null);
    try {
      setCheck(await unwrap(api.POST("/api/v1/apps/{app_id}/deploy/check", path)));
    } catch (e) {
      setCheckError(describeError(e, t).message);
    } finally {
      setChecking(false);
    }
  };
  return (
    <Card title={t("dep.repo.title")}>
      {connected && !editing && (
        <>
          <p data-testid="repo-connected">{t("dep.repo.connected", { url: repo.repo_url ?? "", branch: repo.repo_branch ?? "main" })}</p>
          <div class="actions">
            <Button small variant="secondary" busy={checking} onClick={() => void runCheck()}>{t("dep.repo.check")}</Button>
            <Button small variant="secondary" onClick={() => setEditing(true)}>{t("dep.repo.change")}</Button>
          </div>
          {check && (
            <Alert kind={check.public ? "ok" : "error"}>
              {check.public
                ? t("dep.repo.checked", { name: check.full_name, branch: check.default_branch })
                : t("dep.repo.private", { name: check.full_name })}
            </Alert>
          )}
          {checkError && <Alert kind="error">{checkError}</Alert>}
          <WebhookDetails appId={appId} />
        </>
      )}
      {editing && (
        <>
          {!connected && <p class="muted">{t("dep.repo.none")}</p>}
          {failure && <Alert kind="error">{failure.message}</Alert>}
          <form onSubmit={onSubmit} aria-label={t("dep.repo.title")}>
            <div class="row">
              <Field name="repo_url" label={t("dep.repo.url")} hint={t("dep.repo.urlHint")} required maxLength={512}
                defaultValue={repo.repo_url ?? ""} error={fields.repo_url} inputMode="url" autoComplete="off" />
              <Field name="repo_branch" label={t("dep.repo.branch")} maxLength={255} defaultValue={repo.repo_branch ?? "main"}
                error={fields.repo_branch} autoComplete="off" />
            </div>
            <div class="actions">
              <Button type="submit" busy={busy}>{connected ? t("dep.repo.save") : t("dep.repo.connect")}</Button>
              {connected && <Button variant="secondary" onClick={() => setEditing(false)}>{t("common.cancel")}</Button>}
            </div>
          </form>
        </>
      )}
    </Card>
  );
}

/** The webhook's settings, asked for only when the person opens them (the secret is in it). */
function WebhookDetails({ appId }: { appId: string }) {
  const { t, api, toast } = useConsole();
  const [hook, setHook] = useState<Webhook | null>(null);
  const [error, setError] = useState<string | null>(null);
  const onToggle = (event: Event) => {
    if (!(event.currentTarget as HTMLDetailsElement).open || hook) return;
    unwrap(api.GET("/api/v1/apps/{app_id}/deploy/webhook", { params: { path: { app_id: appId } } })).then(setHook, (e) =>
      setError(describeError(e, t).message),
    );
  };
  const copy = (value: string) =>
    navigator.clipboard?.writeText(value).then(
      () => toast("ok", t("apps.copied")),
      () => toast("error", t("apps.copyFailed")),
    );
  return (
    <details class="dep-webhook" onToggle={onToggle}>
      <summary>{t("dep.webhook.title")}</summary>
      <p class="muted">{t("dep.webhook.intro")}</p>
      {error ? <Alert kind="error">{error}</Alert> : !hook ? <Loading label={t("common.loading")} /> : (
        <dl class="facts">
          <dt>{t("dep.webhook.url")}</dt><dd><code>{hook.payload_url}</code></dd>
          <dt>{t("dep.webhook.type")}</dt><dd><code>{hook.content_type ?? "application/json"}</code></dd>
          <dt>{t("dep.webhook.secret")}</dt>
          <dd><code class="secret">{hook.secret}</code> <Button small variant="secondary" onClick={() => copy(hook.secret)}>{t("apps.copy")}</Button></dd>
          <dt>{t("dep.webhook.events")}</dt><dd>{(hook.events ?? ["push"]).join(", ")}</dd>
        </dl>
      )}
    </details>
  );
}

function DeployCard({ appId, repo }: { appId: string; repo: Repo }) {
  const { t, api } = useConsole();
  const { route } = useLocation();
  const { busy, failure, fields, onSubmit } = useSubmit(
    (form) => {
      const ref = text(form, "ref");
      return unwrap(
        api.POST("/api/v1/apps/{app_id}/deployments", {
          params: { path: { app_id: appId } },
          body: {
            environment: (text(form, "environment") || "dev") as Environment,
            rollout: text(form, "rollout") === "staged" ? "staged" : "immediate",
            ...(ref ? { ref } : {}),
          },
        }),
      ).catch((e: unknown) => {
        // A malformed ref is refused before anything is queued: its words belong to the field.
        if (e instanceof ApiError && e.problem.code === "ref_not_found") throw new ApiError({ ...e.problem, field: "ref" });
        throw e;
      });
    },
    (queued) => route(`${BASE}/apps/${appId}/deployments/${queued.id}`),
  );
  return (
    <Card title={t("dep.form.title")}>
      {!repo.repo_url ? <p class="muted">{t("dep.form.needsRepo")}</p> : (
        <>
          {failure && <Alert kind="error">{failure.message}</Alert>}
          <form onSubmit={onSubmit} aria-label={t("dep.form.title")}>
            <div class="row">
              <SelectField name="environment" label={t("dep.form.environment")} error={fields.environment}
                options={ENVIRONMENTS.map((env) => ({ value: env, label: env }))} />
              <Field name="ref" label={t("dep.form.ref")} hint={t("dep.form.refHint", { branch: repo.repo_branch ?? "main" })}
                maxLength={255} error={fields.ref} autoComplete="off" />
              <SelectField name="rollout" label={t("dep.form.rollout")} error={fields.rollout}
                options={[
                  { value: "immediate", label: t("dep.form.rollout.immediate") },
                  { value: "staged", label: t("dep.form.rollout.staged") },
                ]} />
            </div>
            <Button type="submit" busy={busy}>{t("dep.form.submit")}</Button>
          </form>
        </>
      )}
    </Card>
  );
}

function DeploymentList({ appId }: { appId: string }) {
  const { t, api, locale } = useConsole();
  const { params } = useRoute();
  const [items, setItems] = useState<Deployment[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    setError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/deployments", { params: { path: { app_id: appId } } })).then(setItems, (e) =>
      setError(describeError(e, t).message),
    );
  };
  useEffect(load, [appId, params.id]);
  const base = `${BASE}/apps/${appId}/deployments`;
  return (
    <Card title={t("dep.list.title")}>
      {error ? (
        <Alert kind="error">{error} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
      ) : items === null ? (
        <Loading label={t("common.loading")} />
      ) : items.length === 0 ? (
        <p class="muted">{t("dep.list.empty")}</p>
      ) : (
        <Table
          caption={t("dep.list.title")}
          rows={items}
          rowKey={(d) => d.id}
          columns={[
            { key: "when", label: t("dep.col.when"), render: (d) => <a href={`${base}/${d.id}`} aria-label={t("dep.open", { id: short(d.id, 8) })}>{when(d.created_at, locale)}</a> },
            { key: "env", label: t("dep.col.environment"), render: (d) => d.environment },
            { key: "ref", label: t("dep.col.ref"), render: (d) => <code>{d.ref}</code> },
            { key: "commit", label: t("dep.col.commit"), render: (d) => <code>{short(d.commit_sha)}</code> },
            { key: "status", label: t("dep.col.status"), render: (d) => <DeployStatus status={d.status} t={t} /> },
            { key: "stage", label: t("dep.col.stage"), render: (d) => d.stage ?? "" },
          ]}
        />
      )}
    </Card>
  );
}
