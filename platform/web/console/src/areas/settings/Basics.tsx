import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { text } from "../../pages/form";
import { Alert } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { Field, SelectField } from "../../ui/Field";
import { CATEGORIES, KNOWN_SCOPES, changedFields, lines, scopeChoices, supportedScopes, tagList, type AppOut } from "./logic";
import { useSettingsSubmit } from "./problems";

type Category = (typeof CATEGORIES)[number];

/** The scopes the authorization server offers (its RFC 8414 metadata), loaded once per page. */
function useSupportedScopes(): string[] | null {
  const { api } = useConsole();
  const [scopes, setScopes] = useState<string[] | null>(null);
  useEffect(() => {
    unwrap(api.GET("/.well-known/oauth-authorization-server")).then(
      (metadata) => setScopes(supportedScopes(metadata) ?? []),
      () => setScopes([]),
    );
  }, []);
  return scopes;
}

/**
 * The app's own fields (PATCH /apps/{id}): only what changed is sent; a refused save changes
 * nothing and keeps what the person typed, with each problem next to its field.
 */
export function Basics({ app, editable, reload }: { app: AppOut; editable: boolean; reload: () => void }) {
  const { t, api, toast } = useConsole();
  const supported = useSupportedScopes();
  const [icon, setIcon] = useState(app.icon_url);
  const { busy, failure, fields, onSubmit } = useSettingsSubmit(
    async (form) => {
      const body = changedFields(app, {
        name: text(form, "name"),
        category: (text(form, "category") || app.category) as Category,
        tags: tagList(text(form, "tags")),
        description: text(form, "description"),
        icon_url: text(form, "icon_url"),
        domains: lines(String(form.get("domains") ?? "")),
        redirect_uris: lines(String(form.get("redirect_uris") ?? "")),
        requested_scopes: form.getAll("requested_scopes").map(String),
      });
      if (Object.keys(body).length === 0) return false;
      await unwrap(api.PATCH("/api/v1/apps/{app_id}", { params: { path: { app_id: app.app_id } }, body }));
      return true;
    },
    (changed) => {
      toast(changed ? "ok" : "info", t(changed ? "settings.saved" : "settings.unchanged"));
      if (changed) reload();
    },
  );
  const choices = supported === null ? null : scopeChoices(supported, app.requested_scopes);
  const known = (scope: string) => (KNOWN_SCOPES as readonly string[]).includes(scope);
  return (
    <Card title={t("settings.details")}>
      {failure && <Alert kind="error">{failure.message}</Alert>}
      <form onSubmit={onSubmit} aria-label={t("settings.details")} noValidate>
        <fieldset class="plain" disabled={!editable}>
          <div class="row">
            <Field name="name" label={t("apps.name")} defaultValue={app.name} hint={t("settings.nameHint")} error={fields.name} />
            <SelectField
              name="category"
              label={t("apps.category")}
              defaultValue={app.category}
              error={fields.category}
              options={CATEGORIES.map((c) => ({ value: c, label: t(`category.${c}` as MessageKey) }))}
            />
          </div>
          <Field name="tags" label={t("settings.tags")} defaultValue={app.tags.join(", ")} hint={t("settings.tagsHint")} error={fields.tags} />
          <Field name="description" label={t("apps.description")} multiline defaultValue={app.description} hint={t("settings.descriptionHint")} error={fields.description} />
          <div class="settings-icon">
            <Field
              name="icon_url"
              label={t("settings.icon")}
              type="url"
              defaultValue={app.icon_url}
              placeholder="https://example.com/icon.png"
              hint={t("settings.iconHint")}
              error={fields.icon_url}
              onInput={(e) => setIcon((e.currentTarget as HTMLInputElement).value.trim())}
            />
            {icon.startsWith("https://") && <img class="app-icon" src={icon} alt={t("settings.iconPreview")} width={48} height={48} />}
          </div>
          <Field name="domains" label={t("settings.domains")} multiline defaultValue={app.domains.join("\n")} hint={t("settings.domainsHint")} placeholder="app.example.com" error={fields.domains} />
          <Field
            name="redirect_uris"
            label={t("apps.redirectUris")}
            multiline
            defaultValue={app.redirect_uris.join("\n")}
            hint={t("apps.redirectUrisHint")}
            placeholder="https://example.com/callback"
            error={fields.redirect_uris}
          />
          <fieldset class="field" aria-describedby={fields.requested_scopes ? "f-requested_scopes-error" : "f-requested_scopes-hint"} aria-invalid={fields.requested_scopes ? "true" : undefined}>
            <legend>{t("detail.scopes")}</legend>
            <span class="hint" id="f-requested_scopes-hint">{t("settings.scopesHint")}</span>
            {choices === null ? (
              <span class="muted">{t("common.loading")}</span>
            ) : (
              choices.map((scope) => (
                <label key={scope} class="check">
                  <input type="checkbox" name="requested_scopes" value={scope} defaultChecked={app.requested_scopes.includes(scope)} />
                  <code>{scope}</code>
                  <span class="muted">{known(scope) ? t(`settings.scope.${scope}` as MessageKey) : ""}</span>
                </label>
              ))
            )}
            {fields.requested_scopes && <span class="error" id="f-requested_scopes-error">{fields.requested_scopes}</span>}
          </fieldset>
          {editable && <Button type="submit" busy={busy} disabled={choices === null}>{t("settings.save")}</Button>}
        </fieldset>
      </form>
    </Card>
  );
}
