import { useRoute } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { ApiError, unwrap } from "../api/client";
import { describeError } from "../api/describe";
import type { components } from "../api/schema";
import { useConsole } from "../context";
import type { MessageKey } from "../i18n";
import { BASE } from "../nav";
import { Alert, Loading } from "../ui/Alert";
import { Card } from "../ui/Card";
import { StatusBadge } from "./status";

type AppOut = components["schemas"]["AppOut"];

/** One app: the skeleton later pages (keys, members, deployments, relay) hang their sections on. */
export function AppDetail() {
  const { t, api } = useConsole();
  const { params } = useRoute();
  const id = params.id ?? "";
  const [app, setApp] = useState<AppOut | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setApp(null);
    unwrap(api.GET("/api/v1/apps/{app_id}", { params: { path: { app_id: id } } })).then(setApp, (e) =>
      setError(e instanceof ApiError && e.problem.status === 404 ? t("detail.notFound") : describeError(e, t).message),
    );
  }, [id]);
  if (error) return <main><p><a href={`${BASE}/apps`}>{t("common.back")}</a></p><Alert kind="error">{error}</Alert></main>;
  if (!app) return <main><Loading label={t("common.loading")} /></main>;
  const list = (items: string[]) =>
    items.length ? <ul>{items.map((item) => <li key={item}><code>{item}</code></li>)}</ul> : <span class="muted">{t("detail.none")}</span>;
  return (
    <main>
      <p><a href={`${BASE}/apps`}>{t("common.back")}</a></p>
      <h1>{app.name}</h1>
      <Card title={t("detail.overview")}>
        <dl class="facts">
          <dt>{t("apps.appId")}</dt><dd><code>{app.app_id}</code></dd>
          <dt>{t("apps.status")}</dt>
          <dd><StatusBadge status={app.status} t={t} /> <span class="muted">{t(`status.help.${app.status}` as MessageKey)}</span></dd>
          <dt>{t("apps.category")}</dt><dd>{t(`category.${app.category}` as MessageKey)}</dd>
          <dt>{t("apps.description")}</dt><dd>{app.description || <span class="muted">{t("detail.none")}</span>}</dd>
          <dt>{t("detail.redirectUris")}</dt><dd>{list(app.redirect_uris)}</dd>
          <dt>{t("detail.scopes")}</dt><dd>{list(app.requested_scopes)}</dd>
        </dl>
      </Card>
      <Card title={t("detail.keys")}>
        <a class="btn secondary" href={`${BASE}/apps/${app.app_id}/keys`}>{t("detail.keysOpen")}</a>
      </Card>
      <Card title={t("detail.deployments")}>
        <a class="btn secondary" href={`${BASE}/classic`} rel="external" target="_self">{t("detail.deploymentsClassic")}</a>
      </Card>
    </main>
  );
}
