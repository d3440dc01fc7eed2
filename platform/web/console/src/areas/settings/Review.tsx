import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { text } from "../../pages/form";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { Field, SelectField } from "../../ui/Field";
import type { AppOut } from "./logic";
import { describe, useSettingsSubmit } from "./problems";

type Version = components["schemas"]["VersionOut"];
const STATUSES = [0, 1, 2, 3] as const;

/**
 * Where the app stands (status 0–3, what each means and what comes next) and, in development, the
 * submission of a draft version for review (POST /apps/{id}/submit).
 */
export function ReviewCard({ app, editable, reload }: { app: AppOut; editable: boolean; reload: () => void }) {
  const { t, api, toast } = useConsole();
  const path = { params: { path: { app_id: app.app_id } } };
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const load = () => {
    setLoadError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/versions", path)).then(setVersions, (e) => setLoadError(describe(e, t).message));
  };
  useEffect(load, [app.app_id]);
  const drafts = (versions ?? []).filter((v) => v.status === "draft");
  const { busy, failure, fields, onSubmit } = useSettingsSubmit(
    async (form) => {
      let version = text(form, "version");
      if (drafts.length === 0) {
        const created = await unwrap(api.POST("/api/v1/apps/{app_id}/versions", { ...path, body: { version, notes: text(form, "notes") } }));
        version = created.version;
      }
      return unwrap(api.POST("/api/v1/apps/{app_id}/submit", { ...path, body: { version } }));
    },
    (submitted) => {
      toast("ok", t("settings.review.submitted", { version: submitted.version }));
      load();
      reload();
    },
  );
  const current = app.status as (typeof STATUSES)[number];
  return (
    <Card title={t("settings.review.title")}>
      <ol class="status-steps">
        {STATUSES.map((status) => (
          <li key={status} aria-current={status === current ? "step" : undefined}>
            <strong>{status} · {t(`status.${status}` as MessageKey)}</strong>
            <span>{t(`settings.review.means.${status}` as MessageKey)}</span>
            {status === current && editable && <span class="next">{t(`settings.review.next.${status}` as MessageKey)}</span>}
          </li>
        ))}
      </ol>
      {app.status_reason && (
        <Alert kind={current === 3 ? "error" : "info"}>
          <p>{t("settings.review.reason")}</p>
          <p data-testid="status-reason">{app.status_reason}</p>
        </Alert>
      )}
      {current === 0 && editable && (
        loadError ? (
          <Alert kind="error">{loadError} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
        ) : versions === null ? (
          <Loading label={t("common.loading")} />
        ) : (
          <form onSubmit={onSubmit} aria-label={t("settings.review.submit")} noValidate class="subform">
            <h3>{t("settings.review.submit")}</h3>
            {failure && <Alert kind="error">{failure.message}</Alert>}
            {drafts.length > 0 ? (
              <SelectField name="version" label={t("settings.review.version")} error={fields.version} options={drafts.map((v) => ({ value: v.version, label: v.version }))} />
            ) : (
              <>
                <p class="muted">{t("settings.review.noDraft")}</p>
                <div class="row">
                  <Field name="version" label={t("settings.review.version")} placeholder="1.0.0" hint={t("settings.review.versionHint")} error={fields.version} />
                </div>
                <Field name="notes" label={t("settings.review.notes")} multiline error={fields.notes} />
              </>
            )}
            <Button type="submit" busy={busy}>{t("settings.review.submitButton")}</Button>
          </form>
        )
      )}
    </Card>
  );
}
