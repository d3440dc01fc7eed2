import { useEffect, useState } from "preact/hooks";
import { ApiError, unwrap } from "../api/client";
import { describeError } from "../api/describe";
import type { components } from "../api/schema";
import { useConsole } from "../context";
import type { MessageKey } from "../i18n";
import { BASE } from "../nav";
import { Alert, Loading } from "../ui/Alert";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { Field } from "../ui/Field";
import { text, useSubmit } from "./form";

type QualificationOut = components["schemas"]["QualificationOut"];
type DocumentOut = components["schemas"]["DocumentOut"];
const MAX_DOCUMENTS = 10;
const KNOWN = ["pending", "approved", "rejected"];

/**
 * The developer's qualification (platform/qualifications): its status and the reviewer's reason,
 * and the form to submit it, again after a rejection. Nothing submitted yet is a 404 there.
 */
export function Qualification() {
  const { t, api, locale } = useConsole();
  const [current, setCurrent] = useState<QualificationOut | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | null>(null);
  const load = () => {
    setLoadError(null);
    unwrap(api.GET("/api/v1/developer/qualification")).then(setCurrent, (e) => {
      if (e instanceof ApiError && e.problem.status === 404) setCurrent(null);
      else setLoadError(describeError(e, t).message);
    });
  };
  useEffect(load, []);
  const [documents, setDocuments] = useState<DocumentOut[]>([]);
  const [uploading, setUploading] = useState(false);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const upload = async (input: HTMLInputElement) => {
    const files = Array.from(input.files ?? []);
    input.value = "";
    setUploadError(null);
    if (documents.length + files.length > MAX_DOCUMENTS) {
      setUploadError(t("qual.documentsTooMany", { max: MAX_DOCUMENTS }));
      return;
    }
    setUploading(true);
    try {
      for (const file of files) {
        const stored = await unwrap(
          api.POST("/api/v1/developer/qualification/documents", {
            // The schema types the part as a string; the serializer sends the file itself.
            body: { file: file.name },
            bodySerializer: () => {
              const form = new FormData();
              form.append("file", file);
              return form;
            },
          }),
        );
        setDocuments((all) => [...all, stored]);
      }
    } catch (e) {
      setUploadError(describeError(e, t).message);
    } finally {
      setUploading(false);
    }
  };
  const { busy, failure, fields, onSubmit } = useSubmit(
    (form) =>
      unwrap(
        api.POST("/api/v1/developer/qualification", {
          body: {
            organization_name: text(form, "organization_name"),
            registration_number: text(form, "registration_number"),
            country: text(form, "country").toUpperCase(),
            contact_name: text(form, "contact_name"),
            contact_phone: text(form, "contact_phone"),
            website: text(form, "website"),
            document_ids: documents.map((document) => document.id),
          },
        }),
      ),
    (submitted) => {
      setDocuments([]);
      setCurrent(submitted);
    },
  );
  const canSubmit = current === null || current?.status === "rejected";
  const previous = current?.status === "rejected" ? current : null;
  return (
    <main>
      <p><a href={`${BASE}/apps`}>{t("common.back")}</a></p>
      <h1>{t("qual.title")}</h1>
      <p class="muted">{t("qual.intro")}</p>
      {loadError ? (
        <Alert kind="error">{loadError} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
      ) : current === undefined ? (
        <Loading label={t("common.loading")} />
      ) : current === null ? (
        <Card><p class="muted">{t("qual.none")}</p></Card>
      ) : (
        <Card title={t("qual.current")}>
          <dl class="facts">
            <dt>{t("qual.status")}</dt>
            <dd>
              <span class={`badge qual-${current.status}`}>
                {KNOWN.includes(current.status) ? t(`qual.status.${current.status}` as MessageKey) : current.status}
              </span>{" "}
              {KNOWN.includes(current.status) && <span class="muted">{t(`qual.help.${current.status}` as MessageKey)}</span>}
            </dd>
            {current.reason && (<><dt>{t("qual.reason")}</dt><dd data-testid="qualification-reason">{current.reason}</dd></>)}
            <dt>{t("qual.organization")}</dt><dd>{current.organization_name}</dd>
            <dt>{t("qual.registration")}</dt><dd>{current.registration_number}</dd>
            <dt>{t("qual.country")}</dt><dd>{current.country}</dd>
            <dt>{t("qual.documents")}</dt>
            <dd>
              {current.documents.length ? (
                <ul>{current.documents.map((d) => <li key={d.id}>{d.filename} <span class="muted">({sizeText(d.size)})</span></li>)}</ul>
              ) : <span class="muted">{t("qual.documentsNone")}</span>}
            </dd>
            <dt>{t("qual.submitted")}</dt><dd>{new Date(current.submitted_at).toLocaleString(locale)}</dd>
          </dl>
        </Card>
      )}
      {canSubmit && (
        <Card title={previous ? t("qual.resubmit") : t("qual.submit")}>
          {failure && <Alert kind="error">{failure.message}</Alert>}
          <form onSubmit={onSubmit} aria-label={previous ? t("qual.resubmit") : t("qual.submit")}>
            <div class="row">
              <Field name="organization_name" label={t("qual.organization")} required minLength={2} maxLength={128} defaultValue={previous?.organization_name} error={fields.organization_name} />
              <Field name="registration_number" label={t("qual.registration")} required minLength={2} maxLength={64} defaultValue={previous?.registration_number} error={fields.registration_number} />
            </div>
            <div class="row">
              <Field name="country" label={t("qual.country")} required hint={t("qual.countryHint")} maxLength={2} defaultValue={previous?.country} error={fields.country && t("qual.countryInvalid")} />
              <Field name="contact_name" label={t("qual.contact")} required maxLength={64} defaultValue={previous?.contact_name} error={fields.contact_name} />
            </div>
            <div class="row">
              <Field name="contact_phone" label={t("qual.phone")} type="tel" maxLength={32} defaultValue={previous?.contact_phone} error={fields.contact_phone} />
              <Field name="website" label={t("qual.website")} maxLength={256} defaultValue={previous?.website} error={fields.website} />
            </div>
            <fieldset class="documents">
              <legend>{t("qual.documents")}</legend>
              <p class="hint" id="documents-hint">{t("qual.documentsHint", { max: MAX_DOCUMENTS })}</p>
              {documents.length > 0 && (
                <ul aria-label={t("qual.documentsAttached")}>
                  {documents.map((d) => (
                    <li key={d.id}>
                      {d.filename} <span class="muted">({sizeText(d.size)})</span>{" "}
                      <Button small variant="secondary" onClick={() => setDocuments((all) => all.filter((x) => x.id !== d.id))}>
                        {t("qual.documentRemove", { name: d.filename })}
                      </Button>
                    </li>
                  ))}
                </ul>
              )}
              {uploadError && <Alert kind="error">{uploadError}</Alert>}
              <label class="file-pick">
                <span>{uploading ? t("qual.documentsUploading") : t("qual.documentsAdd")}</span>
                <input
                  type="file"
                  name="document"
                  accept="application/pdf,image/png,image/jpeg"
                  multiple
                  disabled={uploading || documents.length >= MAX_DOCUMENTS}
                  aria-describedby="documents-hint"
                  onChange={(e) => void upload(e.currentTarget)}
                />
              </label>
            </fieldset>
            <Button type="submit" busy={busy || uploading}>{previous ? t("qual.resubmitSubmit") : t("qual.submitSubmit")}</Button>
          </form>
        </Card>
      )}
    </main>
  );
}

/** A file size the way people read it. */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1_048_576) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}
