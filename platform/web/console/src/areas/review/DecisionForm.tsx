import { useState } from "preact/hooks";
import { ApiError } from "../../api/client";
import { describeError, type Shown } from "../../api/describe";
import { useConsole } from "../../context";
import { Alert } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Field } from "../../ui/Field";

export type Decision = "approve" | "reject";

/**
 * Approve, or reject with a reason. An empty reason on a rejection is refused here, next to the
 * field, before any request (the API refuses it too: 422 `reason_required`, shown the same way).
 */
export function DecisionForm({ name, decide }: { name: string; decide: (decision: Decision, reason: string) => Promise<unknown> }) {
  const { t } = useConsole();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState<Decision | null>(null);
  const [failure, setFailure] = useState<Shown | null>(null);
  const focusReason = () => document.getElementById(`f-${name}`)?.focus();
  const run = async (decision: Decision) => {
    setFailure(null);
    if (decision === "reject" && !reason.trim()) {
      setFailure({ message: t("error.fieldsBelow"), fields: { reason: t("review.reasonRequired") } });
      focusReason();
      return;
    }
    setBusy(decision);
    try {
      await decide(decision, reason.trim());
    } catch (error) {
      const shown = describeError(error, t);
      if (error instanceof ApiError && error.problem.code === "reason_required") {
        shown.fields = { reason: t("review.reasonRequired") };
      }
      setFailure(shown);
      if (shown.fields.reason) focusReason();
    } finally {
      setBusy(null);
    }
  };
  return (
    <form onSubmit={(e) => e.preventDefault()} aria-label={t("review.decision")}>
      {failure && <Alert kind="error">{failure.message}</Alert>}
      <Field
        name={name}
        label={t("review.reason")}
        hint={t("review.reasonHint")}
        multiline
        maxLength={2000}
        value={reason}
        onInput={(e) => setReason((e.currentTarget as HTMLTextAreaElement).value)}
        error={failure?.fields.reason}
      />
      <div class="actions">
        <Button busy={busy === "approve"} disabled={busy !== null} onClick={() => run("approve")}>{t("review.approve")}</Button>
        <Button variant="danger" busy={busy === "reject"} disabled={busy !== null} onClick={() => run("reject")}>{t("review.reject")}</Button>
      </div>
    </form>
  );
}
