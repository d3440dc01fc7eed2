import { useRoute } from "preact-iso";
import { useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError, type Shown } from "../../api/describe";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { BASE } from "../../nav";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { ConfirmDialog } from "../../ui/Dialog";
import { Field } from "../../ui/Field";
import { may } from "./access";
import { AuditBlocks } from "./AuditBlocks";
import { AppFacts, LoadFailed, useApp, type AppOut } from "./AppFacts";

type Action = "delist" | "relist";

/** Delist (a reason required) or relist, asked once; the page says the effect is immediate. */
function Listing({ app, changed }: { app: AppOut; changed: (app: AppOut, action: Action) => void }) {
  const { t, api } = useConsole();
  const action: Action | null = app.status === 2 ? "delist" : app.status === 3 ? "relist" : null;
  const [reason, setReason] = useState("");
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Shown | null>(null);
  if (action === null) return <p class="muted">{t("opapp.notOnline", { status: t(`status.${app.status}` as MessageKey) })}</p>;
  const ask = (event: Event) => {
    event.preventDefault();
    setFailure(null);
    if (action === "delist" && !reason.trim()) {
      setFailure({ message: t("error.fieldsBelow"), fields: { reason: t("review.reasonRequired") } });
      document.getElementById("f-listing-reason")?.focus();
      return;
    }
    setAsking(true);
  };
  const run = async () => {
    setAsking(false);
    setBusy(true);
    try {
      const path = action === "delist" ? "/api/v1/admin/apps/{app_id}/delist" : "/api/v1/admin/apps/{app_id}/relist";
      const next = await unwrap(api.POST(path, { params: { path: { app_id: app.app_id } }, body: { reason: reason.trim() } }));
      setReason("");
      changed(next, action);
    } catch (error) {
      setFailure(describeError(error, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={ask} aria-label={t(action === "delist" ? "opapp.delist" : "opapp.relist")}>
      <p>{t(action === "delist" ? "opapp.delistHelp" : "opapp.relistHelp")}</p>
      {failure && <Alert kind="error">{failure.message}</Alert>}
      <Field name="listing-reason" label={t("review.reason")} multiline maxLength={2000}
        hint={action === "delist" ? t("opapp.delistReasonHint") : t("opapp.relistReasonHint")} value={reason}
        onInput={(e) => setReason((e.currentTarget as HTMLTextAreaElement).value)} error={failure?.fields.reason} />
      <Button type="submit" variant={action === "delist" ? "danger" : "primary"} busy={busy}>
        {t(action === "delist" ? "opapp.delist" : "opapp.relist")}
      </Button>
      <ConfirmDialog
        open={asking}
        danger={action === "delist"}
        message={t(action === "delist" ? "opapp.delistConfirm" : "opapp.relistConfirm", { name: app.name })}
        confirmLabel={t(action === "delist" ? "opapp.delist" : "opapp.relist")}
        cancelLabel={t("common.cancel")}
        onConfirm={run}
        onCancel={() => setAsking(false)}
      />
    </form>
  );
}

/** One app as operations see it: every detail, and its listing (delist / relist). */
export function OperatorApp() {
  const { t, account, toast } = useConsole();
  const { params } = useRoute();
  const appId = params.id ?? "";
  const { app, setApp, error, load } = useApp(appId);
  const [done, setDone] = useState<string | null>(null);
  const changed = (next: AppOut, action: Action) => {
    setApp(next);
    const text = t(action === "delist" ? "opapp.delisted" : "opapp.relisted", { name: next.name });
    setDone(text);
    toast("ok", text);
  };
  return (
    <main>
      <p><a href={`${BASE}/operator/apps`}>← {t("review.hub.apps")}</a></p>
      {error ? (
        <><h1>{t("detail.unavailable")}</h1><LoadFailed message={error} retry={load} /></>
      ) : app === null ? (
        <Loading label={t("common.loading")} />
      ) : (
        <>
          <h1>{t("opapp.title", { name: app.name })}</h1>
          {done && <Alert kind="ok">{done}</Alert>}
          <Card title={t("opapp.facts")}><AppFacts app={app} /></Card>
          <Card title={t("opapp.listing")}>
            {may(account?.roles ?? [], "app:delist") ? <Listing app={app} changed={changed} /> : <p class="muted">{t("opapp.readOnly")}</p>}
          </Card>
          <Card title={t("audit.override.title")}>
            <AuditBlocks appId={app.app_id} canOverride={may(account?.roles ?? [], "deploy:audit:override")} />
          </Card>
        </>
      )}
    </main>
  );
}
