import type { ComponentChildren } from "preact";
import { useRoute } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { ApiError, unwrap } from "../api/client";
import { describeError } from "../api/describe";
import type { components } from "../api/schema";
import { appSections } from "../areas";
import { useConsole } from "../context";
import type { MessageKey } from "../i18n";
import { BASE } from "../nav";
import { Alert, Loading } from "../ui/Alert";
import { StatusBadge } from "./status";

export type AppOut = components["schemas"]["AppOut"];

/** The tabs of every mini-program page: the overview and keys, then each area's sections. */
export function appTabs(): { path: string; label: MessageKey }[] {
  return [{ path: "", label: "detail.overview" }, { path: "keys", label: "detail.keys" }, ...appSections()];
}

/**
 * The frame of every page about one mini-program: it loads the app (another developer's app is a
 * 404 like a missing one), shows where the person is, the app's status and its tabs, and hands
 * the app to the page. `reload` fetches it again after a page changed it.
 */
export function AppFrame({ section, title, children }: {
  /** the tab this page is, `""` for the overview */
  section: string;
  /** the page's heading; the app's name when left out */
  title?: string;
  children: (app: AppOut, reload: () => void) => ComponentChildren;
}) {
  const { t, api } = useConsole();
  const { params } = useRoute();
  const id = params.id ?? "";
  const [app, setApp] = useState<AppOut | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    unwrap(api.GET("/api/v1/apps/{app_id}", { params: { path: { app_id: id } } })).then(setApp, (e) =>
      setError(e instanceof ApiError && e.problem.status === 404 ? t("detail.notFound") : describeError(e, t).message),
    );
  useEffect(() => {
    setApp(null);
    setError(null);
    void load();
  }, [id]);
  if (error) {
    return (
      <main>
        <p><a href={`${BASE}/apps`}>{t("nav.apps")}</a></p>
        <h1>{t("detail.unavailable")}</h1>
        <Alert kind="error">{error}</Alert>
      </main>
    );
  }
  if (!app) return <main><Loading label={t("common.loading")} /></main>;
  const base = `${BASE}/apps/${app.app_id}`;
  return (
    <main>
      <nav class="crumbs" aria-label={t("detail.crumbs")}>
        <a href={`${BASE}/apps`}>{t("nav.apps")}</a> <span aria-hidden="true">/</span>{" "}
        {section ? <a href={base}>{app.name}</a> : <span>{app.name}</span>}
      </nav>
      <div class="title-row">
        <h1>{title ?? app.name}</h1>
        <StatusBadge status={app.status} t={t} />
      </div>
      <nav class="tabs" aria-label={t("detail.sections")}>
        <ul>
          {appTabs().map((tab) => (
            <li key={tab.path}>
              <a href={tab.path ? `${base}/${tab.path}` : base} aria-current={tab.path === section ? "page" : undefined}>
                {t(tab.label)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {children(app, () => void load())}
    </main>
  );
}
