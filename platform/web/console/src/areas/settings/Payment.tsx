import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import { text } from "../../pages/form";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { Field } from "../../ui/Field";
import { gweiToWei, weiToEther, weiToGwei } from "./logic";
import { describe, LocalProblem, useSettingsSubmit } from "./problems";

type Payment = components["schemas"]["PaymentOut"];

/** The payment service: the platform pays the gas of this app's users, up to a budget. */
export function PaymentCard({ appId, editable }: { appId: string; editable: boolean }) {
  const { t, api, toast } = useConsole();
  const path = { params: { path: { app_id: appId } } };
  const [payment, setPayment] = useState<Payment | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const load = () => {
    setLoadError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/payment", path)).then(setPayment, (e) => setLoadError(describe(e, t).message));
  };
  useEffect(load, [appId]);
  const { busy, failure, fields, onSubmit } = useSettingsSubmit(
    (form) => {
      const wei = gweiToWei(text(form, "gas_budget") || "0");
      if (wei === null) throw new LocalProblem("gas_budget", t("settings.payment.budgetInvalid"));
      return unwrap(api.PUT("/api/v1/apps/{app_id}/payment", { ...path, body: { enabled: form.get("enabled") === "on", gas_budget_wei: wei } }));
    },
    (saved) => {
      setPayment(saved);
      toast("ok", t("settings.saved"));
    },
    { gas_budget_wei: "gas_budget" },
  );
  const ether = (wei: string) => t("settings.payment.amount", { gwei: weiToGwei(wei), eth: weiToEther(wei) });
  return (
    <Card title={t("settings.payment.title")}>
      <p class="muted">{t("settings.payment.intro")}</p>
      {loadError ? (
        <Alert kind="error">{loadError} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
      ) : payment === null ? (
        <Loading label={t("common.loading")} />
      ) : (
        <>
          <dl class="facts">
            <dt>{t("settings.payment.spent")}</dt><dd>{ether(payment.gas_spent_wei)}</dd>
            <dt>{t("settings.payment.remaining")}</dt><dd>{ether(payment.gas_remaining_wei)}</dd>
          </dl>
          {failure && <Alert kind="error">{failure.message}</Alert>}
          <form onSubmit={onSubmit} aria-label={t("settings.payment.title")} noValidate class="subform">
            <fieldset class="plain" disabled={!editable}>
              <label class="check">
                <input type="checkbox" name="enabled" defaultChecked={payment.enabled} /> {t("settings.payment.enabled")}
              </label>
              <Field
                name="gas_budget"
                label={t("settings.payment.budget")}
                inputMode="numeric"
                defaultValue={weiToGwei(payment.gas_budget_wei)}
                hint={t("settings.payment.budgetHint")}
                error={fields.gas_budget}
              />
              {editable && <Button type="submit" busy={busy}>{t("settings.payment.save")}</Button>}
            </fieldset>
          </form>
        </>
      )}
    </Card>
  );
}
