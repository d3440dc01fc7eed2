import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card, Table } from "../../ui/Card";
import { LoadFailed, when } from "./AppFacts";
import { Back } from "./Back";
import { DecisionForm, type Decision } from "./DecisionForm";

type Qualification = components["schemas"]["QualificationOut"];
type Status = "pending" | "approved" | "rejected";
const FILTERS = ["pending", "approved", "rejected", "all"] as const;
type Filter = (typeof FILTERS)[number];

function StatusOf({ status }: { status: string }) {
  const { t } = useConsole();
  return <span class={`badge qual-${status}`}>{t(`qual.status.${status}` as MessageKey)}</span>;
}

function Detail({ item, decided }: { item: Qualification; decided: (decision: Decision) => void }) {
  const { t, api, locale } = useConsole();
  const decide = async (decision: Decision, reason: string) => {
    await unwrap(
      api.POST("/api/v1/admin/qualifications/{qualification_id}/decision", {
        params: { path: { qualification_id: item.id } },
        body: { decision, reason },
      }),
    );
    decided(decision);
  };
  return (
    <Card title={t("quals.details", { name: item.organization_name })}>
      <dl class="facts">
        <dt>{t("qual.status")}</dt><dd><StatusOf status={item.status} /></dd>
        <dt>{t("qual.organization")}</dt><dd>{item.organization_name}</dd>
        <dt>{t("qual.registration")}</dt><dd>{item.registration_number}</dd>
        <dt>{t("qual.country")}</dt><dd>{item.country}</dd>
        <dt>{t("qual.contact")}</dt><dd>{item.contact_name}</dd>
        <dt>{t("qual.phone")}</dt><dd>{item.contact_phone || "—"}</dd>
        <dt>{t("qual.website")}</dt><dd>{item.website || "—"}</dd>
        <dt>{t("quals.account")}</dt><dd><code>{item.account_id}</code></dd>
        <dt>{t("qual.submitted")}</dt><dd>{when(item.submitted_at, locale)}</dd>
        {item.decided_at && <><dt>{t("quals.decided")}</dt><dd>{when(item.decided_at, locale)}</dd></>}
        {item.reason && <><dt>{t("qual.reason")}</dt><dd>{item.reason}</dd></>}
        <dt>{t("review.documents")}</dt>
        <dd>
          {item.documents.length === 0 ? <span class="muted">{t("review.noDocuments")}</span> : (
            <ul>
              {item.documents.map((d) => (
                <li key={d.id}>{d.filename} ({d.content_type}, {t("review.bytes", { size: d.size })}) <code title="SHA-256">{d.sha256.slice(0, 12)}…</code></li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      {item.status === "pending" && (
        <>
          <h3>{t("review.decision")}</h3>
          <DecisionForm name="qualification-reason" decide={decide} />
        </>
      )}
    </Card>
  );
}

/** Developer qualifications (GET /admin/qualifications), filtered by status; decide a pending one. */
export function Qualifications() {
  const { t, api, locale, toast } = useConsole();
  const [filter, setFilter] = useState<Filter>("pending");
  const [items, setItems] = useState<Qualification[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const load = () => {
    setLoadError(null);
    setItems(null);
    const status: Status | null = filter === "all" ? null : filter;
    unwrap(api.GET("/api/v1/admin/qualifications", { params: { query: { status, limit: 200 } } })).then(
      setItems,
      (e) => setLoadError(describeError(e, t).message),
    );
  };
  useEffect(load, [filter]);
  const current = items?.find((q) => q.id === selected) ?? null;
  const decided = (item: Qualification) => (decision: Decision) => {
    const text = t(decision === "approve" ? "quals.approved" : "quals.rejected", { name: item.organization_name });
    setSelected(null);
    setDone(text);
    toast("ok", text);
    load();
  };
  const open = (id: string) => {
    setSelected(id);
    setDone(null);
    requestAnimationFrame(() => {
      const heading = document.getElementById("qual-detail")?.querySelector<HTMLElement>("h2");
      if (!heading) return;
      heading.tabIndex = -1;
      heading.focus();
    });
  };
  return (
    <main>
      <Back />
      <h1>{t("quals.title")}</h1>
      <p class="muted">{t("quals.intro")}</p>
      {done && <Alert kind="ok">{done}</Alert>}
      <Card>
        <div class="field review-filter">
          <label for="f-quals-filter">{t("quals.filter")}</label>
          <select id="f-quals-filter" value={filter} onChange={(e) => { setSelected(null); setFilter((e.currentTarget as HTMLSelectElement).value as Filter); }}>
            {FILTERS.map((f) => <option key={f} value={f}>{f === "all" ? t("quals.all") : t(`qual.status.${f}` as MessageKey)}</option>)}
          </select>
        </div>
        {loadError ? (
          <LoadFailed message={loadError} retry={load} />
        ) : items === null ? (
          <Loading label={t("common.loading")} />
        ) : items.length === 0 ? (
          <p class="muted">{t("quals.empty")}</p>
        ) : (
          <Table
            caption={t("quals.title")}
            rows={items}
            rowKey={(q) => q.id}
            columns={[
              { key: "org", label: t("quals.organization"), render: (q) => <strong>{q.organization_name}</strong> },
              { key: "country", label: t("qual.country"), render: (q) => q.country },
              { key: "status", label: t("qual.status"), render: (q) => <StatusOf status={q.status} /> },
              { key: "when", label: t("qual.submitted"), render: (q) => when(q.submitted_at, locale) },
              {
                key: "open",
                label: t("review.decision"),
                render: (q) => (
                  <Button small variant="secondary" aria-label={`${t("review.open")}: ${q.organization_name}`} aria-pressed={selected === q.id} onClick={() => open(q.id)}>
                    {t("review.open")}
                  </Button>
                ),
              },
            ]}
          />
        )}
      </Card>
      {current && <div id="qual-detail"><Detail key={current.id} item={current} decided={decided(current)} /></div>}
    </main>
  );
}
