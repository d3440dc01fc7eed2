import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { StatusBadge } from "../../pages/status";
import { Alert, Loading } from "../../ui/Alert";

export type AppOut = components["schemas"]["AppOut"];
type Deployed = components["schemas"]["DeployedContractOut"];

export function when(value: string | null | undefined, locale: string): string {
  return value ? new Date(value).toLocaleString(locale) : "—";
}

function List({ items, code }: { items: readonly string[]; code?: boolean }) {
  const { t } = useConsole();
  if (items.length === 0) return <span class="muted">{t("detail.none")}</span>;
  return code ? <>{items.map((item) => <code key={item} class="chip">{item}</code>)}</> : <ul>{items.map((item) => <li key={item}><code>{item}</code></li>)}</ul>;
}

/** The deployed contracts' audit ratings (A best … E), read from the deployer; none is said so. */
function AuditRatings({ appId }: { appId: string }) {
  const { t, api } = useConsole();
  const [rows, setRows] = useState<Deployed[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    unwrap(api.GET("/api/v1/apps/{app_id}/deployed-contracts", { params: { path: { app_id: appId } } })).then(
      setRows,
      (e) => setError(describeError(e, t).message),
    );
  }, [appId]);
  if (error) return <span class="review-error" role="alert">{error}</span>;
  if (rows === null) return <Loading label={t("common.loading")} />;
  const rated = rows.filter((row) => row.audit_rating);
  if (rated.length === 0) return <span class="muted">{t("queue.auditNone")}</span>;
  return (
    <ul>
      {rated.map((row) => (
        <li key={`${row.environment}-${row.address}`}>
          {t("queue.auditOf", { name: `${row.name} (${row.environment})`, rating: row.audit_rating ?? "" })}
        </li>
      ))}
    </ul>
  );
}

/** What an operator checks before deciding: status, developer, scopes, redirect URIs, contracts. */
export function AppFacts({ app }: { app: AppOut }) {
  const { t, locale } = useConsole();
  return (
    <dl class="facts">
      <dt>{t("apps.status")}</dt><dd><StatusBadge status={app.status} t={t} /></dd>
      <dt>{t("apps.appId")}</dt><dd><code>{app.app_id}</code></dd>
      <dt>{t("opapp.developer")}</dt>
      <dd>{app.developer ? `${app.developer.name} <${app.developer.email}>` : app.developer_id}</dd>
      <dt>{t("apps.category")}</dt><dd>{t(`category.${app.category}` as MessageKey)}</dd>
      <dt>{t("apps.description")}</dt><dd>{app.description || <span class="muted">{t("detail.none")}</span>}</dd>
      <dt>{t("queue.scopes")}</dt><dd><List items={app.requested_scopes} code /></dd>
      <dt>{t("queue.redirectUris")}</dt><dd><List items={app.redirect_uris} /></dd>
      <dt>{t("queue.domains")}</dt><dd><List items={app.domains} code /></dd>
      <dt>{t("queue.auth")}</dt>
      <dd>{app.token_endpoint_auth_method === "none" ? t("queue.auth.none") : t("queue.auth.secret", { method: app.token_endpoint_auth_method })}</dd>
      <dt>{t("queue.payment")}</dt><dd>{app.payment_service ? t("queue.yes") : t("queue.no")}</dd>
      <dt>{t("queue.contracts")}</dt>
      <dd>
        {app.contracts.length === 0 ? <span class="muted">{t("detail.none")}</span> : (
          <ul>{app.contracts.map((c) => <li key={c.id}>{c.name || "—"} ({c.environment}) <code>{c.address}</code></li>)}</ul>
        )}
      </dd>
      <dt>{t("queue.audit")}</dt><dd><AuditRatings appId={app.app_id} /></dd>
      {app.submitted_at && <><dt>{t("review.when")}</dt><dd>{when(app.submitted_at, locale)}</dd></>}
      {app.listed_at && <><dt>{t("opapp.listedAt")}</dt><dd>{when(app.listed_at, locale)}</dd></>}
      {app.delisted_at && <><dt>{t("opapp.delistedAt")}</dt><dd>{when(app.delisted_at, locale)}</dd></>}
      {app.status_reason && <><dt>{t("opapp.statusReason")}</dt><dd>{app.status_reason}</dd></>}
    </dl>
  );
}

/** Loads one app (GET /apps/{id}: staff with app:read:any see every app) and shows its facts. */
export function useApp(appId: string) {
  const { t, api } = useConsole();
  const [app, setApp] = useState<AppOut | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    setError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}", { params: { path: { app_id: appId } } })).then(setApp, (e) =>
      setError(describeError(e, t).message),
    );
  };
  useEffect(load, [appId]);
  return { app, setApp, error, load };
}

export function LoadFailed({ message, retry }: { message: string; retry: () => void }) {
  const { t } = useConsole();
  return <Alert kind="error">{message} <button type="button" class="btn secondary small" onClick={retry}>{t("common.retry")}</button></Alert>;
}
