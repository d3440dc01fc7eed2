import { useLocation } from "preact-iso";
import { unwrap } from "../api/client";
import { useConsole } from "../context";
import { BASE, homeFor, safeNext } from "../nav";
import { Alert } from "../ui/Alert";
import { Button } from "../ui/Button";
import { Card } from "../ui/Card";
import { Field } from "../ui/Field";
import { text, useSubmit } from "./form";

/** Sign in with the cookie session (POST /auth/login), then back to where the person was. */
export function SignIn() {
  const { t, api, setAccount } = useConsole();
  const { query, route } = useLocation();
  const { busy, failure, fields, onSubmit } = useSubmit(
    async (form) => {
      await unwrap(api.POST("/api/v1/auth/login", { body: { email: text(form, "email"), password: String(form.get("password") ?? "") } }));
      return unwrap(api.GET("/api/v1/accounts/me"));
    },
    (account) => {
      setAccount(account);
      route(safeNext(query.next) ?? homeFor(account.roles));
    },
  );
  return (
    <main class="narrow">
      <h1>{t("signIn.title")}</h1>
      {query.expired && !failure && <Alert kind="info">{t("signIn.expired")}</Alert>}
      {failure && <Alert kind="error">{failure.message}</Alert>}
      <Card>
        <form onSubmit={onSubmit} noValidate={false}>
          <Field name="email" label={t("signIn.email")} type="email" autoComplete="username" required error={fields.email} />
          <Field name="password" label={t("signIn.password")} type="password" autoComplete="current-password" required error={fields.password} />
          <Button type="submit" busy={busy}>{t("signIn.submit")}</Button>
        </form>
      </Card>
      <p>{t("signIn.noAccount")} <a href={`${BASE}/sign-up`}>{t("signIn.createAccount")}</a></p>
    </main>
  );
}
