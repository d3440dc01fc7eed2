import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../api/client";
import { describeError } from "../api/describe";
import type { components } from "../api/schema";
import { CATEGORIES } from "../categories";
import { useConsole } from "../context";
import type { MessageKey } from "../i18n";
import { BASE } from "../nav";
import { Alert, Loading } from "../ui/Alert";
import { Button } from "../ui/Button";
import { Card, Table } from "../ui/Card";
import { Field, SelectField } from "../ui/Field";
import { text, useSubmit } from "./form";
import { StatusBadge } from "./status";

type Summary = components["schemas"]["AppSummary"];
type Created = components["schemas"]["AppCreated"];
type Category = components["schemas"]["AppCreate"]["category"];
// "other" first: the API's default, and what a form reset comes back to.

function lines(value: string): string[] {
  return value.split("\n").map((line) => line.trim()).filter(Boolean);
}

/** The developer's mini-programs and the form that creates one. */
export function Apps() {
  const { t, api, toast } = useConsole();
  const [apps, setApps] = useState<Summary[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [created, setCreated] = useState<Created | null>(null);
  const load = () => {
    setLoadError(null);
    unwrap(api.GET("/api/v1/apps", { params: { query: { limit: 100 } } })).then(
      (page) => setApps(page.items),
      (error) => setLoadError(describeError(error, t).message),
    );
  };
  useEffect(load, []);
  const { busy, failure, fields, onSubmit } = useSubmit(
    (form) =>
      unwrap(
        api.POST("/api/v1/apps", {
          body: {
            name: text(form, "name"),
            category: (text(form, "category") || "other") as Category,
            description: text(form, "description"),
            redirect_uris: lines(String(form.get("redirect_uris") ?? "")),
          },
        }),
      ),
    (app, form) => {
      form.reset();
      setCreated(app);
      load();
    },
  );
  const copy = (value: string) =>
    navigator.clipboard?.writeText(value).then(
      () => toast("ok", t("apps.copied")),
      () => toast("error", t("apps.copyFailed")),
    );
  return (
    <main>
      <h1>{t("apps.title")}</h1>
      <p><a href={`${BASE}/qualification`}>{t("apps.qualification")}</a></p>
      <Card>
        {loadError ? (
          <Alert kind="error">{loadError} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
        ) : apps === null ? (
          <Loading label={t("common.loading")} />
        ) : apps.length === 0 ? (
          <p class="muted">{t("apps.empty")}</p>
        ) : (
          <Table
            caption={t("apps.title")}
            rows={apps}
            rowKey={(app) => app.app_id}
            columns={[
              { key: "name", label: t("apps.name"), render: (app) => <a href={`${BASE}/apps/${app.app_id}`}>{app.name}</a> },
              { key: "id", label: t("apps.appId"), render: (app) => <code>{app.app_id}</code> },
              { key: "status", label: t("apps.status"), render: (app) => <StatusBadge status={app.status} t={t} /> },
              { key: "category", label: t("apps.category"), render: (app) => t(`category.${app.category}` as MessageKey) },
            ]}
          />
        )}
      </Card>
      <Card title={t("apps.create")}>
        {created && (
          <Alert kind="ok">
            <p>{t("apps.created", { name: created.name })}</p>
            {created.client_secret === null ? (
              <p>{t("apps.publicClient")}</p>
            ) : (
              <>
                <p>{t("apps.secretOnce")}</p>
                <p class="secret" data-testid="client-secret">{created.client_secret}</p>
                <Button small variant="secondary" onClick={() => copy(created.client_secret ?? "")}>{t("apps.copy")}</Button>
              </>
            )}
          </Alert>
        )}
        {failure && <Alert kind="error">{failure.message}</Alert>}
        <form onSubmit={onSubmit} aria-label={t("apps.create")}>
          <div class="row">
            <Field name="name" label={t("apps.name")} required maxLength={64} error={fields.name} />
            <SelectField
              name="category"
              label={t("apps.category")}
              error={fields.category}
              options={CATEGORIES.map((c) => ({ value: c, label: t(`category.${c}` as MessageKey) }))}
            />
          </div>
          <Field name="description" label={t("apps.description")} multiline maxLength={4000} error={fields.description} />
          <Field
            name="redirect_uris"
            label={t("apps.redirectUris")}
            multiline
            hint={t("apps.redirectUrisHint")}
            placeholder="https://example.com/callback"
            error={fields.redirect_uris}
          />
          <Button type="submit" busy={busy}>{t("apps.createSubmit")}</Button>
        </form>
      </Card>
    </main>
  );
}
