import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { text, useSubmit } from "../../pages/form";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { Field } from "../../ui/Field";
import { POLICY_FIELDS, formatWei, policyBody } from "./format";

type Policy = components["schemas"]["PolicyOut"];
type PolicyIn = components["schemas"]["PolicyIn"];

/** The app's relay policy: per-transaction caps, daily limits and burst alerts, edited in place. */
export function PolicyCard({ appId }: { appId: string }) {
  const { t, api, toast } = useConsole();
  const path = { params: { path: { app_id: appId } } };
  const [policy, setPolicy] = useState<Policy | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const load = () => {
    setLoadError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/relay/policy", path)).then(setPolicy, (e) => setLoadError(describeError(e, t).message));
  };
  useEffect(load, [appId]);
  const { busy, failure, fields, onSubmit } = useSubmit(
    // Counts the person typed as words reach the API as they are: it names the field that is wrong.
    (form) => unwrap(api.PUT("/api/v1/apps/{app_id}/relay/policy", { ...path, body: policyBody((name) => text(form, name)) as unknown as PolicyIn })),
    (saved) => {
      setPolicy(saved);
      setEditing(false);
      toast("ok", t("relay.policySaved"));
    },
  );
  const shown = (name: (typeof POLICY_FIELDS)[number]["name"], wei: boolean) => {
    const value = String(policy?.[name] ?? "");
    return wei ? <span title={`${value} wei`}>{formatWei(value)}</span> : value;
  };
  return (
    <Card title={t("relay.policy")}>
      {loadError ? (
        <Alert kind="error">{loadError} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
      ) : policy === null ? (
        <Loading label={t("common.loading")} />
      ) : editing ? (
        <form onSubmit={onSubmit} aria-label={t("relay.policyEdit")} noValidate>
          {failure && <Alert kind="error">{failure.message}</Alert>}
          <div class="row">
            {POLICY_FIELDS.map((field) => (
              <Field
                key={field.name}
                name={field.name}
                label={t(`relay.policy.${field.name}` as MessageKey)}
                hint={field.wei ? t("relay.inWei") : undefined}
                inputMode="numeric"
                defaultValue={String(policy[field.name])}
                error={fields[field.name]}
              />
            ))}
          </div>
          <div class="actions">
            <Button type="submit" busy={busy}>{t("relay.policySave")}</Button>
            <Button variant="secondary" onClick={() => setEditing(false)}>{t("common.cancel")}</Button>
          </div>
        </form>
      ) : (
        <>
          <p class="muted">{policy.custom ? t("relay.policyCustom") : t("relay.policyDefaults")}</p>
          <dl class="facts relay-facts">
            {POLICY_FIELDS.map((field) => [
              <dt key={`${field.name}-t`}>{t(`relay.policy.${field.name}` as MessageKey)}</dt>,
              <dd key={`${field.name}-d`}>{shown(field.name, field.wei)}</dd>,
            ])}
          </dl>
          <p><Button variant="secondary" onClick={() => setEditing(true)}>{t("relay.policyEditButton")}</Button></p>
        </>
      )}
    </Card>
  );
}
