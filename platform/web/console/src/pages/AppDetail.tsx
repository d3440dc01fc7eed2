import { useConsole } from "../context";
import type { MessageKey } from "../i18n";
import { Card } from "../ui/Card";
import { AppFrame } from "./AppFrame";
import { StatusBadge } from "./status";

/** One app's overview; its other pages are the tabs of the frame. */
export function AppDetail() {
  const { t } = useConsole();
  return (
    <AppFrame section="">
      {(app) => {
        const list = (items: string[]) =>
          items.length ? <ul>{items.map((item) => <li key={item}><code>{item}</code></li>)}</ul> : <span class="muted">{t("detail.none")}</span>;
        return (
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
        );
      }}
    </AppFrame>
  );
}
