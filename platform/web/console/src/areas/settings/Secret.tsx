import { useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import { Alert } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import type { Ask } from "./ask";
import type { AppOut } from "./logic";
import { describe } from "./problems";

type Rotated = components["schemas"]["SecretOut"];

/** The OAuth client secret of a confidential client: rotated after a confirmation, shown once. */
export function SecretCard({ app, editable, ask, reload }: { app: AppOut; editable: boolean; ask: Ask; reload: () => void }) {
  const { t, api, toast, locale } = useConsole();
  const [rotated, setRotated] = useState<Rotated | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const when = (value: string) => new Date(value).toLocaleString(locale);
  const rotate = async () => {
    setBusy(true);
    setError(null);
    try {
      setRotated(await unwrap(api.POST("/api/v1/apps/{app_id}/secret/rotate", { params: { path: { app_id: app.app_id } } })));
      reload();
    } catch (e) {
      setError(describe(e, t).message);
    } finally {
      setBusy(false);
    }
  };
  const copy = (value: string) =>
    navigator.clipboard?.writeText(value).then(
      () => toast("ok", t("apps.copied")),
      () => toast("error", t("apps.copyFailed")),
    );
  if (app.token_endpoint_auth_method === "none") {
    return (
      <Card title={t("settings.secret.title")}>
        <p>{t("settings.secret.public")}</p>
      </Card>
    );
  }
  return (
    <Card title={t("settings.secret.title")}>
      <p class="muted">{t("settings.secret.intro", { method: app.token_endpoint_auth_method })}</p>
      <p>{app.secret_rotated_at ? t("settings.secret.rotatedAt", { date: when(app.secret_rotated_at) }) : t("settings.secret.never")}</p>
      {error && <Alert kind="error">{error}</Alert>}
      {rotated && (
        <Alert kind="ok">
          <p>{t("settings.secret.once")}</p>
          <p class="secret" data-testid="client-secret">{rotated.client_secret}</p>
          {rotated.previous_secret_expires_at && <p>{t("settings.secret.overlap", { date: when(rotated.previous_secret_expires_at) })}</p>}
          <div class="actions">
            <Button small variant="secondary" onClick={() => void copy(rotated.client_secret)}>{t("apps.copy")}</Button>
            <Button small variant="secondary" onClick={() => setRotated(null)}>{t("keys.stored")}</Button>
          </div>
        </Alert>
      )}
      {editable && (
        <Button
          variant="secondary"
          busy={busy}
          onClick={() => ask({ message: t("settings.secret.confirm"), confirmLabel: t("settings.secret.rotate"), run: rotate })}
        >
          {t("settings.secret.rotate")}
        </Button>
      )}
    </Card>
  );
}
