import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError, type Shown } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import { BASE } from "../../nav";
import { StatusBadge } from "../../pages/status";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card, Table } from "../../ui/Card";
import { Field } from "../../ui/Field";
import { pageInfo } from "./access";
import { Back } from "./Back";

type Page = components["schemas"]["LookupPage"];
const LIMIT = 20;
const STATUSES = ["", "0", "1", "2", "3"] as const;

function lookupUrl(q: string, status: string, offset = 0): string {
  const query = new URLSearchParams({ q });
  if (status) query.set("status", status);
  if (offset) query.set("offset", String(offset));
  return `${BASE}/operator/apps?${query}`;
}

/** App and developer lookup (GET /admin/apps?q=): the search lives in the address, so a reload
 * or a shared link shows the same results. */
export function Lookup() {
  const { t, api } = useConsole();
  const { query, route } = useLocation();
  const q = query.q ?? "";
  const status = STATUSES.includes(query.status as (typeof STATUSES)[number]) ? (query.status ?? "") : "";
  const offset = Math.max(0, Number.parseInt(query.offset ?? "0", 10) || 0);
  const [page, setPage] = useState<Page | null>(null);
  const [failure, setFailure] = useState<Shown | null>(null);
  const [draft, setDraft] = useState(q);
  const load = () => {
    setFailure(null);
    setPage(null);
    if (!q) return;
    const statusValue = status === "" ? null : (Number(status) as 0 | 1 | 2 | 3);
    unwrap(api.GET("/api/v1/admin/apps", { params: { query: { q, status: statusValue, limit: LIMIT, offset } } })).then(
      setPage,
      (e) => setFailure(describeError(e, t)),
    );
  };
  useEffect(() => setDraft(q), [q]);
  useEffect(load, [q, status, offset]);
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const text = String(form.get("q") ?? "").trim();
    if (text.length < 2) {
      setFailure({ message: t("error.fieldsBelow"), fields: { q: t("lookup.qHint") } });
      document.getElementById("f-q")?.focus();
      return;
    }
    route(lookupUrl(text, String(form.get("status") ?? "")));
  };
  const info = page ? pageInfo(page.offset, page.limit, page.items.length, page.total) : null;
  return (
    <main>
      <Back />
      <h1>{t("lookup.title")}</h1>
      <p class="muted">{t("lookup.intro")}</p>
      <Card>
        <form role="search" onSubmit={onSubmit} aria-label={t("lookup.title")}>
          <div class="row">
            <Field name="q" label={t("lookup.q")} type="search" maxLength={254} hint={t("lookup.qHint")} value={draft}
              onInput={(e) => setDraft((e.currentTarget as HTMLInputElement).value)} error={failure?.fields.q} />
            <div class="field">
              <label for="f-status">{t("lookup.status")}</label>
              <select id="f-status" name="status" value={status}>
                {STATUSES.map((s) => <option key={s} value={s}>{s === "" ? t("lookup.anyStatus") : t(`status.${s}`)}</option>)}
              </select>
            </div>
          </div>
          <Button type="submit">{t("lookup.search")}</Button>
        </form>
      </Card>
      <Card>
        {failure && !failure.fields.q ? (
          <Alert kind="error">{failure.message}</Alert>
        ) : !q ? (
          <p class="muted">{t("lookup.start")}</p>
        ) : page === null ? (
          failure ? <p class="muted">{t("lookup.start")}</p> : <Loading label={t("common.loading")} />
        ) : page.items.length === 0 ? (
          <p class="muted">{t("lookup.empty")}</p>
        ) : (
          <>
            <p role="status">{t("lookup.results", { total: page.total })}</p>
            <Table
              caption={t("lookup.title")}
              rows={page.items}
              rowKey={(e) => e.app.app_id}
              columns={[
                { key: "name", label: t("apps.name"), render: (e) => <a href={`${BASE}/operator/apps/${e.app.app_id}`}>{e.app.name}</a> },
                { key: "id", label: t("apps.appId"), render: (e) => <code>{e.app.app_id}</code> },
                { key: "status", label: t("apps.status"), render: (e) => <StatusBadge status={e.app.status} t={t} /> },
                { key: "dev", label: t("lookup.developer"), render: (e) => <>{e.developer_name}<span class="muted review-email">{e.developer_email}</span></> },
              ]}
            />
            {info && (info.hasPrev || info.hasNext) && (
              <nav class="actions" aria-label={t("lookup.page", { from: info.from, to: info.to, total: info.total })}>
                <span class="muted">{t("lookup.page", { from: info.from, to: info.to, total: info.total })}</span>
                {info.hasPrev && <a class="btn secondary small" href={lookupUrl(q, status, info.prevOffset)}>{t("lookup.prev")}</a>}
                {info.hasNext && <a class="btn secondary small" href={lookupUrl(q, status, info.nextOffset)}>{t("lookup.next")}</a>}
              </nav>
            )}
          </>
        )}
      </Card>
    </main>
  );
}
