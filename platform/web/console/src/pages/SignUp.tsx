import { useState } from "preact/hooks";
import { unwrap } from "../api/client";
import { useConsole } from "../context";
import { BASE } from "../nav";
import { Alert } from "../ui/Alert";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { Field } from "../ui/Field";
import { text, useSubmit } from "./form";

/** Register a developer account; the confirmation link goes to the person's mail (the outbox). */
export function SignUp() {
  const { t, api } = useConsole();
  const [sentTo, setSentTo] = useState<string | null>(null);
  const { busy, failure, fields, onSubmit } = useSubmit(
    (form) =>
      unwrap(
        api.POST("/api/v1/accounts", {
          body: {
            email: text(form, "email"),
            password: String(form.get("password") ?? ""),
            display_name: text(form, "display_name"),
          },
        }),
      ),
    (account) => setSentTo(account.email),
  );
  return (
    <main class="narrow">
      <h1>{t("signUp.title")}</h1>
      {sentTo ? (
        <Alert kind="ok">{t("signUp.done", { email: sentTo })}</Alert>
      ) : (
        <>
          {failure && <Alert kind="error">{failure.message}</Alert>}
          <Card>
            <form onSubmit={onSubmit}>
              <Field name="email" label={t("signIn.email")} type="email" autoComplete="email" required error={fields.email} />
              <Field name="display_name" label={t("signUp.displayName")} maxLength={64} autoComplete="nickname" error={fields.display_name} />
              <Field name="password" label={t("signIn.password")} type="password" autoComplete="new-password" required hint={t("signUp.passwordHint")} error={fields.password} />
              <Button type="submit" busy={busy}>{t("signUp.submit")}</Button>
            </form>
          </Card>
        </>
      )}
      <p>{t("signUp.haveAccount")} <a href={`${BASE}/sign-in`}>{t("signIn.title")}</a></p>
    </main>
  );
}
