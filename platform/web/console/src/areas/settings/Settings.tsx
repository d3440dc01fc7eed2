import { useConsole } from "../../context";
import { AppFrame } from "../../pages/AppFrame";
import { Alert } from "../../ui/Alert";
import { useAsk } from "./ask";
import { Basics } from "./Basics";
import { Contracts } from "./Contracts";
import { InterfaceCard } from "./Interface";
import { mayEdit } from "./logic";
import { PaymentCard } from "./Payment";
import { ReviewCard } from "./Review";
import { SecretCard } from "./Secret";

/**
 * `/apps/:id/settings`: everything a developer configures about a mini-program. Its members and
 * platform staff see the same page read-only, with a sentence saying why.
 */
export function Settings() {
  const { t, account } = useConsole();
  const [ask, dialog] = useAsk();
  return (
    <AppFrame section="settings" title={t("settings.title")}>
      {(app, reload) => {
        const editable = mayEdit(app, account?.id);
        return (
          <>
            {!editable && <Alert kind="info">{t("settings.readOnly")}</Alert>}
            <ReviewCard app={app} editable={editable} reload={reload} />
            <Basics app={app} editable={editable} reload={reload} />
            <Contracts appId={app.app_id} editable={editable} ask={ask} />
            <PaymentCard appId={app.app_id} editable={editable} />
            <InterfaceCard appId={app.app_id} editable={editable} />
            <SecretCard app={app} editable={editable} ask={ask} reload={reload} />
            {dialog}
          </>
        );
      }}
    </AppFrame>
  );
}
