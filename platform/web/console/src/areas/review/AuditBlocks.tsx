import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError, type Shown } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { ConfirmDialog } from "../../ui/Dialog";
import { Field } from "../../ui/Field";

type Deployment = components["schemas"]["DeploymentOut"];
const BLOCKED = "audit_blocked";

/** The deployments that high-impact audit findings keep out of production (deployer/contracts). */
export const blockedByAudit = (deployments: readonly Deployment[]): Deployment[] =>
  deployments.filter((d) => d.status === "failed" && d.error_code === BLOCKED);

/** One blocked deployment and, for an operator who may, the override: a reason, asked once. */
function Blocked({ appId, deployment, canOverride, done }: {
  appId: string;
  deployment: Deployment;
  canOverride: boolean;
  done: (next: Deployment) => void;
}) {
  const { t, api, locale } = useConsole();
  const [reason, setReason] = useState("");
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Shown | null>(null);
  const short = deployment.id.slice(0, 8);
  const field = `override-${short}`;
  const ask = (event: Event) => {
    event.preventDefault();
    setFailure(null);
    if (!reason.trim()) {
      setFailure({ message: t("error.fieldsBelow"), fields: { reason: t("audit.override.reasonRequired") } });
      document.getElementById(`f-${field}`)?.focus();
      return;
    }
    setAsking(true);
  };
  const run = async () => {
    setAsking(false);
    setBusy(true);
    try {
      const next = await unwrap(
        api.POST("/api/v1/apps/{app_id}/deployments/{deployment_id}/audit-override", {
          params: { path: { app_id: appId, deployment_id: deployment.id } },
          body: { reason: reason.trim() },
        }),
      );
      done(next);
    } catch (error) {
      setFailure(describeError(error, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="audit-block">
      <p>
        <strong>{t("audit.override.deployment", { id: short, environment: deployment.environment })}</strong>{" "}
        <span class="muted">{new Date(deployment.created_at).toLocaleString(locale)} · <code>{deployment.ref}</code></span>
      </p>
      {deployment.error_detail && <p>{deployment.error_detail}</p>}
      {canOverride && (
        <form onSubmit={ask} aria-label={t("audit.override.formNamed", { id: short })}>
          {failure && <Alert kind="error">{failure.message}</Alert>}
          <Field name={field} label={t("audit.override.reason")} multiline maxLength={500}
            hint={t("audit.override.reasonHint")} value={reason}
            onInput={(e) => setReason((e.currentTarget as HTMLTextAreaElement).value)}
            error={failure?.fields.reason} />
          <Button type="submit" variant="danger" busy={busy}>{t("audit.override.submit")}</Button>
          <ConfirmDialog
            open={asking}
            danger
            message={t("audit.override.confirm", { id: short })}
            confirmLabel={t("audit.override.submit")}
            cancelLabel={t("common.cancel")}
            onConfirm={run}
            onCancel={() => setAsking(false)}
          />
        </form>
      )}
    </li>
  );
}

/**
 * The app's deployments blocked by their contract audit, with the override for operators who
 * hold `deploy:audit:override`: the deployment is queued again and the override, with its
 * reason, goes to the audit log.
 */
export function AuditBlocks({ appId, canOverride }: { appId: string; canOverride: boolean }) {
  const { t, api, toast } = useConsole();
  const [blocked, setBlocked] = useState<Deployment[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    setError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/deployments", { params: { path: { app_id: appId } } })).then(
      (all) => setBlocked(blockedByAudit(all)),
      (e) => setError(describeError(e, t).message),
    );
  };
  useEffect(load, [appId]);
  if (error) return <Alert kind="error">{error} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>;
  if (blocked === null) return <Loading label={t("common.loading")} />;
  if (blocked.length === 0) return <p class="muted">{t("audit.override.none")}</p>;
  return (
    <>
      <p>{t("audit.override.help")}</p>
      <ul class="audit-blocks">
        {blocked.map((deployment) => (
          <Blocked
            key={deployment.id}
            appId={appId}
            deployment={deployment}
            canOverride={canOverride}
            done={(next) => {
              setBlocked((all) => (all ?? []).filter((d) => d.id !== next.id));
              toast("ok", t("audit.override.done", { id: next.id.slice(0, 8) }));
            }}
          />
        ))}
      </ul>
      {!canOverride && <p class="muted">{t("audit.override.readOnly")}</p>}
    </>
  );
}
