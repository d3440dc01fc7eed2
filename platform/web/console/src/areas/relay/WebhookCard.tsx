import { useEffect, useState } from "preact/hooks";
import { ApiError, unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { text, useSubmit } from "../../pages/form";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { ConfirmDialog } from "../../ui/Dialog";
import { Field } from "../../ui/Field";
import { Deliveries } from "./Deliveries";
import { EVENT_TYPES, type EventType } from "./format";

type Webhook = components["schemas"]["WebhookOut"];

/**
 * The app's webhook endpoint: its URL, event types and switch (set up once with a signing secret,
 * then changed without one), the rotation of the secret (asked first, shown once) and the
 * delivery log.
 */
export function WebhookCard({ appId }: { appId: string }) {
  const { t, api, toast } = useConsole();
  const path = { params: { path: { app_id: appId } } };
  // undefined: loading; null: no endpoint yet
  const [webhook, setWebhook] = useState<Webhook | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [rotating, setRotating] = useState(false);
  const [rotateError, setRotateError] = useState<string | null>(null);
  const [logVersion, setLogVersion] = useState(0);
  const load = () => {
    setLoadError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/relay/webhook", path)).then(setWebhook, (e) => {
      if (e instanceof ApiError && e.problem.code === "webhook_not_found") setWebhook(null);
      else setLoadError(describeError(e, t).message);
    });
  };
  useEffect(load, [appId]);

  const { busy, failure, fields, onSubmit } = useSubmit(
    async (form) => {
      const body = {
        url: text(form, "url"),
        events: form.getAll("events").map(String) as EventType[],
        enabled: form.get("enabled") === "on",
      };
      if (webhook) return { saved: await unwrap(api.PATCH("/api/v1/apps/{app_id}/relay/webhook", { ...path, body })), secret: null };
      const created = await unwrap(api.PUT("/api/v1/apps/{app_id}/relay/webhook", { ...path, body }));
      return { saved: created, secret: created.secret };
    },
    (result) => {
      setWebhook(result.saved);
      if (result.secret) setSecret(result.secret);
      toast("ok", t("relay.webhookSaved"));
    },
  );

  const rotate = async () => {
    setRotating(true);
    setRotateError(null);
    try {
      const rotated = await unwrap(api.POST("/api/v1/apps/{app_id}/relay/webhook/rotate-secret", path));
      setSecret(rotated.secret);
      setLogVersion((v) => v + 1);
    } catch (e) {
      setRotateError(describeError(e, t).message);
    } finally {
      setRotating(false);
      setConfirming(false);
    }
  };
  const copy = (value: string) =>
    navigator.clipboard?.writeText(value).then(
      () => toast("ok", t("apps.copied")),
      () => toast("error", t("apps.copyFailed")),
    );
  const chosen = new Set<string>(webhook?.events ?? EVENT_TYPES);

  return (
    <Card title={t("relay.webhook")}>
      {secret && (
        <Alert kind="ok">
          <p>{t("relay.secretOnce")}</p>
          <p class="secret" data-testid="webhook-secret">{secret}</p>
          <div class="actions">
            <Button small variant="secondary" onClick={() => copy(secret)}>{t("apps.copy")}</Button>
            <Button small variant="secondary" onClick={() => setSecret(null)}>{t("relay.secretStored")}</Button>
          </div>
        </Alert>
      )}
      {rotateError && <Alert kind="error">{rotateError}</Alert>}
      {loadError ? (
        <Alert kind="error">{loadError} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
      ) : webhook === undefined ? (
        <Loading label={t("common.loading")} />
      ) : (
        <>
          {webhook === null && <p class="muted">{t("relay.noWebhook")}</p>}
          <form key={webhook?.updated_at ?? "new"} onSubmit={onSubmit} aria-label={t("relay.webhookForm")} noValidate>
            {failure && <Alert kind="error">{failure.message}</Alert>}
            <Field name="url" label={t("relay.webhookUrl")} type="url" hint={t("relay.webhookUrlHint")} defaultValue={webhook?.url ?? ""} maxLength={512} error={fields.url} />
            <fieldset class="field" aria-describedby={fields.events ? "f-events-error" : undefined} aria-invalid={fields.events ? "true" : undefined}>
              <legend>{t("relay.webhookEvents")}</legend>
              <div class="relay-events">
                {EVENT_TYPES.map((type) => (
                  <label key={type} class="check">
                    <input type="checkbox" name="events" value={type} defaultChecked={chosen.has(type)} /> <code>{type}</code>
                    <span class="muted">{t(`relay.event.${type}` as MessageKey)}</span>
                  </label>
                ))}
              </div>
              {fields.events && <span class="error" id="f-events-error">{t("relay.eventsRequired")}</span>}
            </fieldset>
            <label class="check">
              <input type="checkbox" name="enabled" defaultChecked={webhook?.enabled ?? true} /> {t("relay.webhookEnabled")}
            </label>
            <div class="actions relay-form-end">
              <Button type="submit" busy={busy}>{webhook ? t("relay.webhookSave") : t("relay.webhookCreate")}</Button>
              {webhook && (
                <Button variant="secondary" busy={rotating} onClick={() => setConfirming(true)}>{t("relay.rotateSecret")}</Button>
              )}
            </div>
          </form>
          {webhook && <Deliveries appId={appId} version={logVersion} />}
        </>
      )}
      <ConfirmDialog
        open={confirming}
        danger
        message={t("relay.confirmRotate")}
        confirmLabel={t("relay.rotateSecret")}
        cancelLabel={t("common.cancel")}
        onConfirm={() => { if (!rotating) void rotate(); }}
        onCancel={() => setConfirming(false)}
      />
    </Card>
  );
}
