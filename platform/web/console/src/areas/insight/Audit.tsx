import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { BASE } from "../../nav";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card, Table } from "../../ui/Card";
import { Field } from "../../ui/Field";
import { type AuditSearch, apiQuery, auditSearchErrors, queryOf, searchFromQuery } from "./format";

type AuditPage = components["schemas"]["AuditPage"];
type AuditEventOut = components["schemas"]["AuditEventOut"];
const PAGE = `${BASE}/operator/audit`;

/**
 * The audit log's search (GET /admin/audit-events). The search lives in the address: the form
 * writes it there, the results follow it, so a search can be shared and survives a reload.
 */
export function Audit() {
  const { t, api } = useConsole();
  const { query, route } = useLocation();
  const search = searchFromQuery(query);
  const key = queryOf(search);
  const invalid = auditSearchErrors(search);
  // Each answer is kept with the search it answers: a new address never shows the last results.
  const [answer, setAnswer] = useState<{ key: string; page?: AuditPage; error?: string; fields?: Record<string, string> } | null>(null);
  const current = answer?.key === key ? answer : null;
  const page = current?.page ?? null;
  const error = current?.error ?? null;
  const apiFields = current?.fields ?? {};
  const load = () => {
    setAnswer(null);
    if (Object.keys(invalid).length > 0) return;
    unwrap(api.GET("/api/v1/admin/audit-events", { params: { query: apiQuery(search) } })).then(
      (found) => setAnswer({ key, page: found }),
      (e) => {
        const shown = describeError(e, t);
        setAnswer({ key, error: shown.message, fields: shown.fields });
      },
    );
  };
  useEffect(load, [key]);
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const next = searchFromQuery(Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)])));
    next.cursor = "";
    route(`${PAGE}${queryOf(next) ? `?${queryOf(next)}` : ""}`);
  };
  const fieldError = (name: keyof AuditSearch, apiName: string) => {
    const local = invalid[name];
    return local ? t(local) : apiFields[apiName];
  };
  const hasErrors = Object.keys(invalid).length > 0;
  return (
    <main>
      <p><a href={`${BASE}/operator`}>{t("insight.toHub")}</a></p>
      <h1>{t("audit.title")}</h1>
      <p class="muted">{t("audit.intro")}</p>
      <Card title={t("audit.search")}>
        {hasErrors && <Alert kind="error">{t("error.fieldsBelow")}</Alert>}
        {/* keyed by the address, so Back and a shared link fill the fields afresh */}
        <form key={key} onSubmit={onSubmit} aria-label={t("audit.search")} noValidate>
          <div class="row">
            <Field name="action" label={t("audit.action")} hint={t("audit.actionHint")} maxLength={65} defaultValue={search.action} error={fieldError("action", "action")} />
            <Field name="app" label={t("audit.app")} maxLength={32} defaultValue={search.app} error={fieldError("app", "app_id")} />
            <Field name="actor" label={t("audit.actor")} maxLength={64} defaultValue={search.actor} error={fieldError("actor", "actor_id")} />
          </div>
          <div class="row">
            <Field name="since" type="datetime-local" label={t("audit.since")} defaultValue={search.since} error={fieldError("since", "since")} />
            <Field name="until" type="datetime-local" label={t("audit.until")} defaultValue={search.until} error={fieldError("until", "until")} />
          </div>
          <div class="actions">
            <Button type="submit">{t("audit.searchSubmit")}</Button>
            <a class="btn secondary" href={PAGE}>{t("audit.clear")}</a>
          </div>
        </form>
      </Card>
      {hasErrors ? null : error ? (
        <Alert kind="error">{error} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
      ) : page === null ? (
        <Loading label={t("common.loading")} />
      ) : page.items.length === 0 ? (
        <Card><p class="muted" data-testid="audit-empty">{t("audit.empty")}</p></Card>
      ) : (
        <Results page={page} search={search} />
      )}
    </main>
  );
}

function Results({ page, search }: { page: AuditPage; search: AuditSearch }) {
  const { t, locale } = useConsole();
  const older = page.next_cursor ? `${PAGE}?${queryOf({ ...search, cursor: String(page.next_cursor) })}` : null;
  const newest = search.cursor ? `${PAGE}${queryOf({ ...search, cursor: "" }) ? `?${queryOf({ ...search, cursor: "" })}` : ""}` : null;
  return (
    <Card>
      <p class="muted" role="status">{t("audit.results", { count: page.items.length })}</p>
      <div class="insight-list">
      <Table
        caption={t("audit.caption")}
        rows={page.items}
        rowKey={(e) => String(e.id)}
        columns={[
          { key: "when", label: t("audit.when"), render: (e) => <time dateTime={e.occurred_at}>{new Date(e.occurred_at).toLocaleString(locale)}</time> },
          {
            key: "who",
            label: t("audit.who"),
            render: (e) => (
              <span class="alert-what">
                <span>{e.actor_role ?? e.actor_type}</span>
                {e.actor_id && <code class="muted">{e.actor_id}</code>}
              </span>
            ),
          },
          {
            key: "what",
            label: t("audit.what"),
            render: (e) => (
              <span class="alert-what">
                <code class="audit-action" data-testid="audit-action">{e.action}</code>
                {e.summary && <span>{e.summary}</span>}
              </span>
            ),
          },
          {
            key: "target",
            label: t("audit.target"),
            render: (e) => (
              <span class="alert-what">
                <span>{e.target_type}{e.target_id ? <> <code>{e.target_id}</code></> : null}</span>
                {e.app_id && e.app_id !== e.target_id && <code class="muted">{e.app_id}</code>}
              </span>
            ),
          },
          { key: "details", label: t("audit.details"), render: (e) => <Details event={e} /> },
        ]}
      />
      </div>
      {(older || newest) && (
        <nav class="actions pager" aria-label={t("audit.caption")}>
          {newest && <a class="btn secondary" href={newest}>{t("audit.newest")}</a>}
          {older && <a class="btn secondary" href={older}>{t("audit.older")}</a>}
        </nav>
      )}
    </Card>
  );
}

function Details({ event }: { event: AuditEventOut }) {
  const { t } = useConsole();
  const changes = Object.entries(event.changes ?? {});
  return (
    <details class="audit-details">
      <summary>{t("audit.show")}</summary>
      <dl class="facts">
        <dt>{t("audit.changes")}</dt>
        <dd>
          {changes.length === 0 ? (
            <span class="muted">{t("audit.noChanges")}</span>
          ) : (
            <dl class="facts changes">
              {changes.map(([name, value]) => (
                <>
                  <dt key={`${name}-k`}><code>{name}</code></dt>
                  <dd key={`${name}-v`}><ChangeValue value={value} status={name === "status" && event.target_type === "app"} /></dd>
                </>
              ))}
            </dl>
          )}
        </dd>
        <dt>{t("audit.actorType")}</dt><dd>{event.actor_type}</dd>
        {event.ip && (<><dt>{t("audit.ip")}</dt><dd><code>{event.ip}</code></dd></>)}
        {event.user_agent && (<><dt>{t("audit.userAgent")}</dt><dd>{event.user_agent}</dd></>)}
        {event.request_id && (<><dt>{t("audit.requestId")}</dt><dd><code>{event.request_id}</code></dd></>)}
      </dl>
    </details>
  );
}

/**
 * A change as the audit log records it: `[before, after]`, or any other value, shown as text.
 * An app's status (0–3) is shown by its name.
 */
function ChangeValue({ value, status }: { value: unknown; status: boolean }) {
  const { t } = useConsole();
  const text = (v: unknown) => {
    if (status && typeof v === "number" && v >= 0 && v <= 3) return `${t(`status.${v}` as MessageKey)} (${v})`;
    return typeof v === "string" ? v : JSON.stringify(v);
  };
  if (Array.isArray(value) && value.length === 2) {
    return <span><s class="muted">{text(value[0])}</s> → <span>{text(value[1])}</span></span>;
  }
  return <span class="mono">{text(value)}</span>;
}
