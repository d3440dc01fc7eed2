import { useRoute } from "preact-iso";
import { useEffect, useRef, useState } from "preact/hooks";
import { unwrap } from "../api/client";
import { describeError } from "../api/describe";
import type { components } from "../api/schema";
import { useConsole } from "../context";
import type { MessageKey } from "../i18n";
import { BASE } from "../nav";
import { Alert, Loading } from "../ui/Alert";
import { Button } from "../ui/Button";
import { Card, Table } from "../ui/Card";
import { ConfirmDialog } from "../ui/Dialog";
import { Field, SelectField } from "../ui/Field";
import { AppFrame } from "./AppFrame";
import { text, useSubmit } from "./form";
import { ENVIRONMENTS, KEY_SCOPES, PERIODS, needsRotation, type ApiKey } from "./keys";

type Created = components["schemas"]["ApiKeyCreated"];
type Environment = components["schemas"]["ChainEnvironment"];
type Pending = { action: "rotate" | "revoke"; key: ApiKey };

/** An app's API keys: the list, a new key (its secret shown once), rotation and revocation. */
export function ApiKeys() {
  const { t, api, toast, locale } = useConsole();
  const { params } = useRoute();
  const appId = params.id ?? "";
  const path = { params: { path: { app_id: appId } } };
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [secret, setSecret] = useState<Created | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [acting, setActing] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const load = () => {
    setLoadError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/api-keys", path)).then(setKeys, (e) => setLoadError(describeError(e, t).message));
  };
  useEffect(load, [appId]);

  // The API's own words for an empty list are pydantic's; with no box ticked, say it plainly.
  const noScopes = useRef(false);
  const { busy, failure, fields, onSubmit } = useSubmit(
    (form) => {
      const calls = text(form, "calls");
      noScopes.current = form.getAll("scopes").length === 0;
      return unwrap(
        api.POST("/api/v1/apps/{app_id}/api-keys", {
          ...path,
          body: {
            name: text(form, "name"),
            environment: (text(form, "environment") || "dev") as Environment,
            scopes: form.getAll("scopes").map(String),
            rate_limit: calls ? { calls: Number(calls), per: text(form, "per") as (typeof PERIODS)[number] } : null,
          },
        }),
      );
    },
    (created, form) => {
      form.reset();
      setSecret(created);
      load();
    },
  );

  const confirm = async () => {
    if (!pending) return;
    const { action, key } = pending;
    const keyPath = { params: { path: { app_id: appId, key_id: key.id } } };
    setActing(true);
    setActionError(null);
    try {
      if (action === "rotate") {
        setSecret(await unwrap(api.POST("/api/v1/apps/{app_id}/api-keys/{key_id}/rotate", keyPath)));
      } else {
        await unwrap(
          api.POST("/api/v1/apps/{app_id}/api-keys/{key_id}/revoke", { ...keyPath, body: { reason: t("keys.revokeReason") } }),
        );
        toast("ok", t("keys.revoked", { name: key.name }));
      }
      load();
    } catch (e) {
      setActionError(describeError(e, t).message);
    } finally {
      setActing(false);
      setPending(null);
    }
  };

  const copy = (value: string) =>
    navigator.clipboard?.writeText(value).then(
      () => toast("ok", t("apps.copied")),
      () => toast("error", t("apps.copyFailed")),
    );
  const when = (value: string | null) => (value ? new Date(value).toLocaleDateString(locale) : t("keys.never"));
  const now = new Date();
  const live = (key: ApiKey) => key.status !== "revoked" && key.status !== "expired";

  return (
    <AppFrame section="keys" title={t("keys.title")}>
      {() => (
      <>
      {secret && (
        <Alert kind="ok">
          <p>{t("keys.secretOnce", { name: secret.name })}</p>
          <p class="secret" data-testid="api-key-secret">{secret.key}</p>
          <div class="actions">
            <Button small variant="secondary" onClick={() => copy(secret.key)}>{t("apps.copy")}</Button>
            <Button small variant="secondary" onClick={() => setSecret(null)}>{t("keys.stored")}</Button>
          </div>
        </Alert>
      )}
      {actionError && <Alert kind="error">{actionError}</Alert>}
      <Card>
        {loadError ? (
          <Alert kind="error">{loadError} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
        ) : keys === null ? (
          <Loading label={t("common.loading")} />
        ) : keys.length === 0 ? (
          <p class="muted">{t("keys.empty")}</p>
        ) : (
          <Table
            caption={t("keys.title")}
            rows={keys}
            rowKey={(key) => key.id}
            columns={[
              {
                key: "name",
                label: t("keys.name"),
                render: (key) => <span><strong>{key.name}</strong> <code class="key-prefix">{key.prefix}</code></span>,
              },
              {
                key: "status",
                label: t("keys.status"),
                render: (key) => (
                  <span>
                    <span class={`badge key-${key.status}`}>{t(`keys.status.${key.status}` as MessageKey)}</span>
                    {needsRotation(key, now) && <span class="hint-inline">{t("keys.rotateSoon", { date: when(key.expires_at) })}</span>}
                  </span>
                ),
              },
              { key: "env", label: t("keys.environment"), render: (key) => key.environment },
              { key: "scopes", label: t("keys.scopes"), render: (key) => <span>{key.scopes.map((s) => <code key={s} class="chip">{s}</code>)}</span> },
              {
                key: "limit",
                label: t("keys.rateLimit"),
                render: (key) => <span class="nowrap">{t(`keys.per.${key.rate_limit.per}` as MessageKey, { calls: key.rate_limit.calls })}</span>,
              },
              { key: "created", label: t("keys.created"), render: (key) => when(key.created_at) },
              {
                key: "used",
                label: t("keys.lastUsed"),
                render: (key) => `${when(key.last_used_at)} · ${t("keys.calls", { count: key.usage_count })}`,
              },
              {
                key: "actions",
                label: t("keys.actions"),
                render: (key) =>
                  live(key) && !key.replaced_by_id ? (
                    <span class="actions">
                      <Button small variant="secondary" aria-label={t("keys.rotateNamed", { name: key.name })} onClick={() => setPending({ action: "rotate", key })}>{t("keys.rotate")}</Button>
                      <Button small variant="danger" aria-label={t("keys.revokeNamed", { name: key.name })} onClick={() => setPending({ action: "revoke", key })}>{t("keys.revoke")}</Button>
                    </span>
                  ) : key.replaced_by_id && live(key) ? (
                    <span class="muted">{t("keys.replaced", { date: when(key.expires_at) })}</span>
                  ) : key.revoke_reason ? <span class="muted">{key.revoke_reason}</span> : null,
              },
            ]}
          />
        )}
      </Card>
      <Card title={t("keys.create")}>
        {failure && <Alert kind="error">{failure.message}</Alert>}
        <form onSubmit={onSubmit} aria-label={t("keys.create")}>
          <div class="row">
            <Field name="name" label={t("keys.name")} required maxLength={64} error={fields.name} />
            <SelectField
              name="environment"
              label={t("keys.environment")}
              error={fields.environment}
              options={ENVIRONMENTS.map((env) => ({ value: env, label: env }))}
            />
          </div>
          <fieldset class="field" aria-describedby={fields.scopes ? "f-scopes-error" : undefined} aria-invalid={fields.scopes ? "true" : undefined}>
            <legend>{t("keys.scopes")}</legend>
            {KEY_SCOPES.map((scope) => (
              <label key={scope} class="check">
                <input type="checkbox" name="scopes" value={scope} /> <code>{scope}</code> <span class="muted">{t(`keys.scope.${scope}` as MessageKey)}</span>
              </label>
            ))}
            {fields.scopes && <span class="error" id="f-scopes-error">{noScopes.current ? t("keys.scopesRequired") : fields.scopes}</span>}
          </fieldset>
          <div class="row">
            <Field name="calls" label={t("keys.calls.label")} type="number" min={1} max={100000} hint={t("keys.calls.hint")} error={fields.rate_limit} />
            <SelectField
              name="per"
              label={t("keys.period")}
              options={PERIODS.map((per) => ({ value: per, label: t(`keys.period.${per}` as MessageKey) }))}
            />
          </div>
          <Button type="submit" busy={busy}>{t("keys.createSubmit")}</Button>
        </form>
      </Card>
      <ConfirmDialog
        open={pending !== null}
        danger={pending?.action === "revoke"}
        message={pending ? t(pending.action === "revoke" ? "keys.confirmRevoke" : "keys.confirmRotate", { name: pending.key.name }) : ""}
        confirmLabel={pending?.action === "revoke" ? t("keys.revoke") : t("keys.rotate")}
        cancelLabel={t("common.cancel")}
        onConfirm={() => { if (!acting) void confirm(); }}
        onCancel={() => setPending(null)}
      />
      </>
      )}
    </AppFrame>
  );
}
