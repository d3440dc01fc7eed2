/** One app's activity: the alerts raised about it, then its audit log with filters and pages. */
import { useRoute } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { AppFrame } from "../../pages/AppFrame";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card, Table } from "../../ui/Card";
import { Field } from "../../ui/Field";
import { actorLabel, changeRows, dayRange, levelOf } from "./format";

type AuditEvent = components["schemas"]["AppAuditEventOut"];
type AppAlert = components["schemas"]["AppAlertOut"];
interface Filters { action: string; from: string; to: string }
const NO_FILTERS: Filters = { action: "", from: "", to: "" };
const PAGE = 25;

export function Activity() {
  const { t } = useConsole();
  return (
    <AppFrame section="activity" title={t("activity.title")}>
      {(app) => (
        <>
          <Alerts appId={app.app_id} />
          <AuditLog appId={app.app_id} />
        </>
      )}
    </AppFrame>
  );
}

function useWhen() {
  const { locale } = useConsole();
  return (value: string) =>
    new Date(value).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}

function Alerts({ appId }: { appId: string }) {
  const { t, api } = useConsole();
  const when = useWhen();
  const [alerts, setAlerts] = useState<AppAlert[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    setError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/alerts", { params: { path: { app_id: appId }, query: { limit: 20 } } })).then(
      (page) => setAlerts(page.items),
      (e) => setError(describeError(e, t).message),
    );
  };
  useEffect(load, [appId]);
  return (
    <Card title={t("activity.alerts")}>
      {error ? (
        <Alert kind="error">{error} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
      ) : alerts === null ? (
        <Loading label={t("common.loading")} />
      ) : alerts.length === 0 ? (
        <p class="muted">{t("activity.alerts.empty")}</p>
      ) : (
        <Table
          caption={t("activity.alerts")}
          rows={alerts}
          rowKey={(alert) => String(alert.id)}
          columns={[
            {
              key: "level",
              label: t("activity.alerts.level"),
              render: (alert) => {
                const level = levelOf(alert.level);
                return <span class={`badge level-${level}`}>{t(`activity.level.${level}` as MessageKey)}</span>;
              },
            },
            {
              key: "what",
              label: t("activity.alerts.what"),
              render: (alert) => (
                <span>
                  {alert.summary} <code class="chip">{alert.kind}</code>
                  {alert.count > 1 && <span class="muted activity-sub">{t("activity.alerts.times", { count: alert.count, date: when(alert.last_seen_at) })}</span>}
                </span>
              ),
            },
            { key: "when", label: t("activity.alerts.when"), render: (alert) => <span class="nowrap">{when(alert.raised_at)}</span> },
            {
              key: "state",
              label: t("activity.alerts.state"),
              render: (alert) =>
                alert.resolved_at ? (
                  <span class="muted">{t("activity.alerts.resolved", { date: when(alert.resolved_at) })}</span>
                ) : (
                  <span class="badge level-open">{t("activity.alerts.open")}</span>
                ),
            },
          ]}
        />
      )}
    </Card>
  );
}

function AuditLog({ appId }: { appId: string }) {
  const { t, api, account } = useConsole();
  const when = useWhen();
  const { query } = useRoute();
  const [filters, setFilters] = useState<Filters>({ ...NO_FILTERS, action: query.action ?? "" });
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<Record<string, string>>({});
  // The inputs keep what the person types (defaultValue); Clear remounts the form empty.
  const [formKey, setFormKey] = useState(0);

  const fetchPage = async (applied: Filters, cursor: number | null) => {
    const range = dayRange(applied.from, applied.to);
    if (range === null) {
      setFieldError({ to: t("activity.filter.badRange") });
      return;
    }
    setBusy(true);
    setError(null);
    setFieldError({});
    try {
      const page = await unwrap(
        api.GET("/api/v1/apps/{app_id}/audit-events", {
          params: {
            path: { app_id: appId },
            query: {
              limit: PAGE,
              ...(applied.action.trim() ? { action: applied.action.trim() } : {}),
              ...range,
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      );
      setEvents((shown) => (cursor && shown ? [...shown, ...page.items] : page.items));
      setNext(page.next_cursor);
    } catch (e) {
      const shown = describeError(e, t);
      setError(shown.message);
      if (shown.fields.action) setFieldError({ action: shown.fields.action });
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => { void fetchPage(filters, null); }, [appId]);

  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const applied = {
      action: String(form.get("action") ?? ""),
      from: String(form.get("from") ?? ""),
      to: String(form.get("to") ?? ""),
    };
    setFilters(applied);
    void fetchPage(applied, null);
  };
  const clear = () => {
    setFilters(NO_FILTERS);
    setFormKey((k) => k + 1);
    void fetchPage(NO_FILTERS, null);
  };
  const filtered = Boolean(filters.action || filters.from || filters.to);

  return (
    <Card title={t("activity.log")}>
      <p class="muted">{t("activity.log.intro")}</p>
      <form key={formKey} class="activity-filters" onSubmit={apply} aria-label={t("activity.filter.label")}>
        <div class="row">
          <Field
            name="action"
            label={t("activity.filter.action")}
            hint={t("activity.filter.actionHint")}
            defaultValue={filters.action}
            maxLength={65}
            spellcheck={false}
            autocomplete="off"
            error={fieldError.action}
          />
          <Field name="from" type="date" label={t("activity.filter.since")} defaultValue={filters.from} />
          <Field name="to" type="date" label={t("activity.filter.until")} defaultValue={filters.to} error={fieldError.to} />
        </div>
        <div class="actions">
          <Button type="submit" busy={busy}>{t("activity.filter.apply")}</Button>
          {filtered && <Button variant="secondary" onClick={clear}>{t("activity.filter.clear")}</Button>}
        </div>
      </form>
      {error && <Alert kind="error">{error}</Alert>}
      {events === null ? (
        !error && <Loading label={t("common.loading")} />
      ) : events.length === 0 ? (
        <p class="muted">{t(filtered ? "activity.log.noMatch" : "activity.log.empty")}</p>
      ) : (
        <>
          <Table
            caption={t("activity.log")}
            rows={events}
            rowKey={(e) => String(e.id)}
            columns={[
              { key: "when", label: t("activity.log.when"), render: (e) => <time class="nowrap" dateTime={e.occurred_at}>{when(e.occurred_at)}</time> },
              { key: "who", label: t("activity.log.who"), render: (e) => actorLabel(e, account?.id, t) },
              {
                key: "what",
                label: t("activity.log.what"),
                render: (e) => (
                  <details class="activity-event">
                    <summary>
                      <code class="chip">{e.action}</code> {e.summary}
                    </summary>
                    <EventDetails event={e} />
                  </details>
                ),
              },
            ]}
          />
          <div class="actions activity-more">
            {next ? (
              <Button variant="secondary" busy={busy} onClick={() => void fetchPage(filters, next)}>{t("activity.log.more")}</Button>
            ) : (
              <span class="muted">{t("activity.log.end")}</span>
            )}
          </div>
        </>
      )}
    </Card>
  );
}

function EventDetails({ event }: { event: AuditEvent }) {
  const { t } = useConsole();
  const rows = changeRows(event.changes);
  return (
    <dl class="facts activity-facts">
      <dt>{t("activity.detail.action")}</dt>
      <dd><code>{event.action}</code></dd>
      <dt>{t("activity.detail.target")}</dt>
      <dd><code>{event.target_type}{event.target_id ? ` ${event.target_id}` : ""}</code></dd>
      <dt>{t("activity.detail.changes")}</dt>
      <dd>
        {rows.length === 0 ? (
          <span class="muted">{t("activity.detail.noChanges")}</span>
        ) : (
          <ul>
            {rows.map((row) => (
              <li key={row.field}>
                <code>{row.field}</code>: {row.before !== undefined && <><span class="muted">{row.before}</span> → </>}{row.after}
              </li>
            ))}
          </ul>
        )}
      </dd>
      {event.request_id && (
        <>
          <dt>{t("activity.detail.request")}</dt>
          <dd><code>{event.request_id}</code></dd>
        </>
      )}
    </dl>
  );
}
