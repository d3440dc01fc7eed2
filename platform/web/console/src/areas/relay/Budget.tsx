import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { formatWei, percentOf } from "./format";

type Usage = components["schemas"]["RelayUsageOut"];

/** A labelled meter with its numbers beside it: what was used of what is allowed. */
function Meter({ id, label, used, limit, text }: { id: string; label: string; used: string; limit: string; text: string }) {
  const share = percentOf(used, limit);
  return (
    <div class="relay-meter">
      <div class="relay-meter-label">
        <span id={`${id}-label`}>{label}</span>
        <span class="muted">{text}</span>
      </div>
      <meter aria-labelledby={`${id}-label`} min={0} max={100} low={75} high={90} optimum={0} value={share}>{share}%</meter>
    </div>
  );
}

/** The gas budget against the spend, and the UTC day's relaying against the daily limits. */
export function Budget({ appId }: { appId: string }) {
  const { t, api } = useConsole();
  const [usage, setUsage] = useState<Usage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => {
    setError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/relay/usage", { params: { path: { app_id: appId } } })).then(
      setUsage,
      (e) => setError(describeError(e, t).message),
    );
  };
  useEffect(load, [appId]);
  return (
    <Card title={t("relay.budget")}>
      {error ? (
        <Alert kind="error">{error} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
      ) : usage === null ? (
        <Loading label={t("common.loading")} />
      ) : (
        <>
          {usage.payment_service ? (
            <Meter
              id="relay-gas"
              label={t("relay.gasSpent")}
              used={usage.gas_spent_wei}
              limit={usage.gas_budget_wei}
              text={t("relay.ofBudget", {
                used: formatWei(usage.gas_spent_wei),
                limit: formatWei(usage.gas_budget_wei),
                percent: percentOf(usage.gas_spent_wei, usage.gas_budget_wei),
              })}
            />
          ) : (
            <p class="muted">{t("relay.noSponsoring")}</p>
          )}
          {usage.payment_service && (
            <dl class="facts relay-facts">
              <dt>{t("relay.reserved")}</dt><dd>{formatWei(usage.gas_reserved_wei)}</dd>
              <dt>{t("relay.available")}</dt><dd>{formatWei(usage.gas_available_wei)}</dd>
              <dt>{t("relay.sponsoredToday")}</dt><dd>{formatWei(usage.today.sponsored_fee_wei)}</dd>
            </dl>
          )}
          <h3 class="relay-sub">{t("relay.today", { day: usage.today.day })}</h3>
          <Meter
            id="relay-count"
            label={t("relay.todayCount")}
            used={String(usage.today.tx_count)}
            limit={String(usage.today.tx_limit)}
            text={t("relay.countOf", { used: usage.today.tx_count, limit: usage.today.tx_limit })}
          />
          <Meter
            id="relay-value"
            label={t("relay.todayValue")}
            used={usage.today.value_wei}
            limit={usage.today.value_limit_wei}
            text={t("relay.valueOf", { used: formatWei(usage.today.value_wei), limit: formatWei(usage.today.value_limit_wei) })}
          />
        </>
      )}
    </Card>
  );
}
