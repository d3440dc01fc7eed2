import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import { text } from "../../pages/form";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { Field, SelectField } from "../../ui/Field";
import { ENCRYPTION_ALGORITHMS, SIGNATURE_ALGORITHMS } from "./logic";
import { describe, useSettingsSubmit } from "./problems";

type Interface = components["schemas"]["InterfaceDetailOut"];
type Signature = (typeof SIGNATURE_ALGORITHMS)[number];
type Encryption = (typeof ENCRYPTION_ALGORITHMS)[number];

/** The interface declaration: how the app's backend signs (and encrypts) what it sends the platform. */
export function InterfaceCard({ appId, editable }: { appId: string; editable: boolean }) {
  const { t, api, toast, locale } = useConsole();
  const path = { params: { path: { app_id: appId } } };
  const [declared, setDeclared] = useState<Interface | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const load = () => {
    setLoadError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/interface", path)).then(setDeclared, (e) => setLoadError(describe(e, t).message));
  };
  useEffect(load, [appId]);
  const { busy, failure, fields, onSubmit } = useSettingsSubmit(
    (form) =>
      unwrap(
        api.PUT("/api/v1/apps/{app_id}/interface", {
          ...path,
          body: {
            signature_algorithm: text(form, "signature_algorithm") as Signature,
            encryption_algorithm: (text(form, "encryption_algorithm") || "none") as Encryption,
            public_key_pem: text(form, "public_key_pem") || null,
            certificate_pem: text(form, "certificate_pem") || null,
          },
        }),
      ),
    (saved) => {
      setDeclared(saved);
      toast("ok", t("settings.saved"));
    },
  );
  return (
    <Card title={t("settings.interface.title")}>
      <p class="muted">{t("settings.interface.intro")}</p>
      {loadError ? (
        <Alert kind="error">{loadError} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
      ) : declared === null ? (
        <Loading label={t("common.loading")} />
      ) : (
        <>
          {declared.key_fingerprint_sha256 && (
            <dl class="facts">
              <dt>{t("settings.interface.fingerprint")}</dt><dd><code>{declared.key_fingerprint_sha256}</code></dd>
              {declared.certificate_subject && <><dt>{t("settings.interface.subject")}</dt><dd>{declared.certificate_subject}</dd></>}
              {declared.certificate_not_after && (
                <><dt>{t("settings.interface.notAfter")}</dt><dd>{new Date(declared.certificate_not_after).toLocaleDateString(locale)}</dd></>
              )}
            </dl>
          )}
          {failure && <Alert kind="error">{failure.message}</Alert>}
          <form onSubmit={onSubmit} aria-label={t("settings.interface.title")} noValidate class="subform">
            <fieldset class="plain" disabled={!editable}>
              <div class="row">
                <SelectField
                  name="signature_algorithm"
                  label={t("settings.interface.signature")}
                  defaultValue={declared.signature_algorithm ?? "ES256"}
                  error={fields.signature_algorithm}
                  options={SIGNATURE_ALGORITHMS.map((a) => ({ value: a, label: a }))}
                />
                <SelectField
                  name="encryption_algorithm"
                  label={t("settings.interface.encryption")}
                  defaultValue={declared.encryption_algorithm ?? "none"}
                  error={fields.encryption_algorithm}
                  options={ENCRYPTION_ALGORITHMS.map((a) => ({ value: a, label: a === "none" ? t("settings.interface.noEncryption") : a }))}
                />
              </div>
              <Field name="public_key_pem" label={t("settings.interface.publicKey")} multiline class="mono" defaultValue={declared.public_key_pem ?? ""} placeholder="-----BEGIN PUBLIC KEY-----" hint={t("settings.interface.publicKeyHint")} spellcheck={false} error={fields.public_key_pem} />
              <Field name="certificate_pem" label={t("settings.interface.certificate")} multiline class="mono" defaultValue={declared.certificate_pem ?? ""} placeholder="-----BEGIN CERTIFICATE-----" hint={t("settings.interface.certificateHint")} spellcheck={false} error={fields.certificate_pem} />
              {editable && <Button type="submit" busy={busy}>{t("settings.interface.save")}</Button>}
            </fieldset>
          </form>
        </>
      )}
    </Card>
  );
}
