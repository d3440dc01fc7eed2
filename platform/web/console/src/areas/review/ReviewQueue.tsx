import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card, Table } from "../../ui/Card";
import { AppFacts, LoadFailed, useApp, when } from "./AppFacts";
import { Back } from "./Back";
import { DecisionForm, type Decision } from "./DecisionForm";

type Entry = components["schemas"]["QueueEntryOut"];

/** One submission: the app's details as the operator needs them, and the decision. */
function EntryDetail({ entry, decided }: { entry: Entry; decided: (decision: Decision) => void }) {
  const { t, api, locale } = useConsole();
  const { app, error, load } = useApp(entry.app.app_id);
  const decide = async (decision: Decision, reason: string) => {
    await unwrap(
      api.POST("/api/v1/admin/apps/{app_id}/review", {
        params: { path: { app_id: entry.app.app_id } },
        body: { decision, reason },
      }),
    );
    decided(decision);
  };
  return (
    <Card title={t("queue.details", { name: entry.app.name })}>
      <dl class="facts">
        <dt>{t("queue.version")}</dt><dd>{entry.version?.version ?? "—"}</dd>
        <dt>{t("queue.notes")}</dt><dd>{entry.version?.notes || <span class="muted">{t("detail.none")}</span>}</dd>
        <dt>{t("review.by")}</dt><dd>{entry.developer_email}</dd>
        <dt>{t("review.when")}</dt><dd>{when(entry.submitted_at, locale)}</dd>
      </dl>
      <hr />
      {error ? <LoadFailed message={error} retry={load} /> : app === null ? <Loading label={t("common.loading")} /> : <AppFacts app={app} />}
      <h3>{t("review.decision")}</h3>
      <DecisionForm name="review-reason" decide={decide} />
    </Card>
  );
}

/** The app review queue (GET /admin/apps/review-queue): oldest first; a decided app leaves it. */
export function ReviewQueue() {
  const { t, api, locale, toast } = useConsole();
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const load = () => {
    setLoadError(null);
    unwrap(api.GET("/api/v1/admin/apps/review-queue", { params: { query: { limit: 200 } } })).then(
      setEntries,
      (e) => setLoadError(describeError(e, t).message),
    );
  };
  useEffect(load, []);
  const current = entries?.find((e) => e.app.app_id === selected) ?? null;
  const decided = (entry: Entry) => (decision: Decision) => {
    const text = t(decision === "approve" ? "queue.approved" : "queue.rejected", { name: entry.app.name });
    setEntries((all) => (all ?? []).filter((e) => e.app.app_id !== entry.app.app_id));
    setSelected(null);
    setDone(text);
    toast("ok", text);
  };
  const open = (id: string) => {
    setSelected(id);
    setDone(null);
    // the detail opens below the table: take the focus (and a screen reader) there
    requestAnimationFrame(() => {
      const heading = document.getElementById("queue-detail")?.querySelector<HTMLElement>("h2");
      if (!heading) return;
      heading.tabIndex = -1;
      heading.focus();
    });
  };
  return (
    <main>
      <Back />
      <h1>{t("queue.title")}</h1>
      <p class="muted">{t("queue.intro")}</p>
      {done && <Alert kind="ok">{done}</Alert>}
      <Card>
        {loadError ? (
          <LoadFailed message={loadError} retry={load} />
        ) : entries === null ? (
          <Loading label={t("common.loading")} />
        ) : entries.length === 0 ? (
          <p class="muted">{t("queue.empty")}</p>
        ) : (
          <Table
            caption={t("queue.title")}
            rows={entries}
            rowKey={(e) => e.app.app_id}
            columns={[
              { key: "app", label: t("queue.app"), render: (e) => <strong>{e.app.name}</strong> },
              { key: "version", label: t("queue.version"), render: (e) => e.version?.version ?? "—" },
              { key: "by", label: t("review.by"), render: (e) => e.developer_email },
              { key: "when", label: t("review.when"), render: (e) => when(e.submitted_at, locale) },
              {
                key: "open",
                label: t("review.decision"),
                render: (e) => (
                  <Button small variant="secondary" aria-label={`${t("review.open")}: ${e.app.name}`} aria-pressed={selected === e.app.app_id} onClick={() => open(e.app.app_id)}>
                    {t("review.open")}
                  </Button>
                ),
              },
            ]}
          />
        )}
      </Card>
      {current && (
        <div id="queue-detail">
          <EntryDetail key={current.app.app_id} entry={current} decided={decided(current)} />
        </div>
      )}
    </main>
  );
}
