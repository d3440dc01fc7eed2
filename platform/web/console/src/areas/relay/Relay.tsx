import { useRoute } from "preact-iso";
import { AppFrame } from "../../pages/AppFrame";
import { useConsole } from "../../context";
import { Budget } from "./Budget";
import { PolicyCard } from "./PolicyCard";
import { Transactions } from "./Transactions";
import { WebhookCard } from "./WebhookCard";

/** An app's relay: its transactions, its gas budget and spend, its policy and its webhook. */
export function Relay() {
  const { t } = useConsole();
  const { params } = useRoute();
  const appId = params.id ?? "";
  return (
    <AppFrame section="relay" title={t("relay.title")}>
      {(app) => (
        <>
          <Transactions appId={app.app_id} />
          <div class="relay-columns">
            <Budget appId={app.app_id} />
            <PolicyCard appId={appId} />
          </div>
          <WebhookCard appId={app.app_id} />
        </>
      )}
    </AppFrame>
  );
}
