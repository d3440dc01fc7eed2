import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";
import { ApiError, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { BASE } from "../../nav";
import { Alert } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { describe } from "./problems";

type Member = components["schemas"]["MemberOut"];
/** The invitation's own refusals, in the console's words. */
const REFUSALS: Record<string, MessageKey> = {
  invitation_not_found: "invite.notFound",
  invitation_email_mismatch: "invite.otherEmail",
  invitation_expired: "invite.expired",
  email_not_verified: "invite.unverified",
};

/**
 * `/invitations/accept?token=…`, the link of the invitation mail (platform/members): the
 * signed-in person accepts with one click and lands on the app.
 */
export function AcceptInvitation() {
  const { t, api, account } = useConsole();
  const { query } = useLocation();
  const token = query.token ?? "";
  const [busy, setBusy] = useState(false);
  const [joined, setJoined] = useState<{ member: Member; name: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const accept = async () => {
    setBusy(true);
    setError(null);
    try {
      const member = await unwrap(api.POST("/api/v1/invitations/accept", { body: { token } }));
      const app = await unwrap(api.GET("/api/v1/apps/{app_id}", { params: { path: { app_id: member.app_id } } })).catch(() => null);
      setJoined({ member, name: app?.name ?? member.app_id });
    } catch (e) {
      const own = e instanceof ApiError ? REFUSALS[e.problem.code ?? ""] : undefined;
      setError(own ? t(own) : describe(e, t).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="narrow">
      <h1>{t("invite.title")}</h1>
      <Card>
        {!token ? (
          <Alert kind="error">{t("invite.missing")}</Alert>
        ) : joined ? (
          <>
            <Alert kind="ok">{t("invite.joined", { name: joined.name })}</Alert>
            <p><a href={`${BASE}/apps/${joined.member.app_id}`}>{t("invite.open", { name: joined.name })}</a></p>
          </>
        ) : (
          <>
            <p>{t("invite.intro", { email: account?.email ?? "" })}</p>
            {error && <Alert kind="error">{error}</Alert>}
            <Button busy={busy} onClick={() => void accept()}>{t("invite.accept")}</Button>
          </>
        )}
      </Card>
    </main>
  );
}
