import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../api/client";
import { describeError } from "../api/describe";
import { useConsole } from "../context";
import { BASE } from "../nav";
import { Alert, Loading } from "../ui/Alert";
import { Card } from "../ui/Card";

type Kind = "verify" | "unlock";
const TEXT = {
  verify: { title: "verify.title", working: "verify.working" },
  unlock: { title: "unlock.title", working: "unlock.working" },
} as const;

/** The landing of a mailed link (/console/verify-email?token=…, /console/unlock-sign-in?token=…). */
export function TokenLanding({ kind }: { kind: Kind }) {
  const { t, api } = useConsole();
  const { query } = useLocation();
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    const token = query.token;
    if (!token) {
      setOutcome({ ok: false, text: t("verify.missing") });
      return;
    }
    const call =
      kind === "verify"
        ? unwrap(api.POST("/api/v1/accounts/verify-email", { body: { token } })).then((a) => t("verify.done", { email: a.email }))
        : unwrap(api.POST("/api/v1/auth/unlock", { body: { token } })).then(() => t("unlock.done"));
    call.then(
      (text) => setOutcome({ ok: true, text }),
      (error) => setOutcome({ ok: false, text: describeError(error, t).message }),
    );
  }, [kind, query.token]);
  return (
    <main class="narrow">
      <h1>{t(TEXT[kind].title)}</h1>
      <Card>
        {outcome === null ? <Loading label={t(TEXT[kind].working)} /> : <Alert kind={outcome.ok ? "ok" : "error"}>{outcome.text}</Alert>}
        <p><a href={`${BASE}/sign-in`}>{t("verify.toSignIn")}</a></p>
      </Card>
    </main>
  );
}
