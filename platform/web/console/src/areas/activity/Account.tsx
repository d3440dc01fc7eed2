/** The signed-in person's account: the email and its confirmation, the password, the sessions. */
import { useLocation } from "preact-iso";
import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import { describeError } from "../../api/describe";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { BASE } from "../../nav";
import { useSubmit } from "../../pages/form";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card, Table } from "../../ui/Card";
import { ConfirmDialog } from "../../ui/Dialog";
import { Field } from "../../ui/Field";
import { deviceOf } from "./format";

type Session = components["schemas"]["SessionOut"];

export function Account() {
  const { t } = useConsole();
  const [sessionsVersion, setSessionsVersion] = useState(0);
  return (
    <main>
      <h1>{t("account.title")}</h1>
      <EmailCard />
      <PasswordCard onChanged={() => setSessionsVersion((v) => v + 1)} />
      <Sessions version={sessionsVersion} />
    </main>
  );
}

function EmailCard() {
  const { t, api, account } = useConsole();
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!account) return null;
  const resend = async () => {
    setBusy(true);
    setError(null);
    try {
      await unwrap(api.POST("/api/v1/accounts/resend-verification", { body: { email: account.email } }));
      setSent(true);
    } catch (e) {
      setError(describeError(e, t).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t("account.email")}>
      <p class="account-email">
        <strong>{account.email}</strong>{" "}
        <span class={`badge ${account.email_verified ? "s2" : "level-warning"}`}>
          {t(account.email_verified ? "account.email.confirmed" : "account.email.unconfirmed")}
        </span>
      </p>
      {!account.email_verified && (
        <>
          <p class="muted">{t("account.email.hint")}</p>
          {sent && <Alert kind="ok">{t("account.email.sent", { email: account.email })}</Alert>}
          {error && <Alert kind="error">{error}</Alert>}
          <Button variant="secondary" busy={busy} onClick={() => void resend()}>{t("account.email.resend")}</Button>
        </>
      )}
    </Card>
  );
}

function PasswordCard({ onChanged }: { onChanged: () => void }) {
  const { t, api } = useConsole();
  const [done, setDone] = useState(false);
  const { busy, failure, fields, onSubmit } = useSubmit(
    (form) => {
      setDone(false);
      return unwrap(
        api.POST("/api/v1/accounts/me/password", {
          // passwords are taken as typed: no trimming
          body: { current_password: String(form.get("current_password") ?? ""), new_password: String(form.get("new_password") ?? "") },
        }),
      );
    },
    (_result, form) => {
      form.reset();
      setDone(true);
      onChanged();
    },
  );
  const wrongCurrent = failure !== null && fields.current_password !== undefined;
  return (
    <Card title={t("account.password")}>
      {done && <Alert kind="ok">{t("account.password.done")}</Alert>}
      {failure && <Alert kind="error">{wrongCurrent ? t("account.password.wrong") : failure.message}</Alert>}
      <form onSubmit={onSubmit} aria-label={t("account.password")}>
        <div class="row">
          <Field
            name="current_password"
            type="password"
            autocomplete="current-password"
            label={t("account.password.current")}
            required
            maxLength={256}
            error={wrongCurrent ? t("account.password.wrong") : undefined}
          />
          <Field
            name="new_password"
            type="password"
            autocomplete="new-password"
            label={t("account.password.new")}
            hint={t("account.password.hint")}
            required
            maxLength={256}
            error={fields.new_password}
          />
        </div>
        <Button type="submit" busy={busy}>{t("account.password.submit")}</Button>
      </form>
    </Card>
  );
}

function Sessions({ version }: { version: number }) {
  const { t, api, locale, toast, setAccount } = useConsole();
  const { route } = useLocation();
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState<Session | null>(null);
  const [acting, setActing] = useState(false);
  const load = () => {
    setError(null);
    unwrap(api.GET("/api/v1/auth/sessions")).then(setSessions, (e) => setError(describeError(e, t).message));
  };
  useEffect(load, [version]);
  const when = (value: string | null | undefined) =>
    value ? new Date(value).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" }) : t("account.sessions.never");
  const device = (s: Session) => deviceOf(s.user_agent) ?? t("account.sessions.unknownDevice");

  const revoke = async () => {
    if (!pending || acting) return;
    const target = pending;
    setActing(true);
    try {
      await unwrap(api.DELETE("/api/v1/auth/sessions/{session_id}", { params: { path: { session_id: target.id } } }));
      if (target.current) {
        // this browser's session is over: the console forgets the account and asks to sign in
        setAccount(null);
        route(`${BASE}/sign-in`);
        return;
      }
      toast("ok", t("account.sessions.revoked", { device: device(target) }));
      load();
    } catch (e) {
      setError(describeError(e, t).message);
    } finally {
      setActing(false);
      setPending(null);
    }
  };

  return (
    <Card title={t("account.sessions")}>
      <p class="muted">{t("account.sessions.intro")}</p>
      <div class="account-sessions">
      {error && <Alert kind="error">{error} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>}
      {sessions === null ? (
        !error && <Loading label={t("common.loading")} />
      ) : sessions.length === 0 ? (
        <p class="muted">{t("account.sessions.empty")}</p>
      ) : (
        <Table
          caption={t("account.sessions")}
          rows={sessions}
          rowKey={(s) => s.id}
          columns={[
            {
              key: "device",
              label: t("account.sessions.device"),
              render: (s) => (
                <span title={s.user_agent ?? undefined}>
                  <strong>{device(s)}</strong>{" "}
                  <span class="muted">{t(`account.sessions.kind.${s.kind === "bearer" ? "bearer" : "cookie"}` as MessageKey)}</span>
                  {s.current && <> <span class="badge s2">{t("account.sessions.current")}</span></>}
                </span>
              ),
            },
            { key: "ip", label: t("account.sessions.ip"), render: (s) => (s.ip ? <code>{s.ip}</code> : t("account.sessions.unknown")) },
            { key: "created", label: t("account.sessions.created"), render: (s) => <span class="nowrap">{when(s.created_at)}</span> },
            { key: "seen", label: t("account.sessions.lastSeen"), render: (s) => <span class="nowrap">{when(s.last_seen_at)}</span> },
            {
              key: "actions",
              label: t("account.sessions.actions"),
              render: (s) => (
                <Button small variant="danger" aria-label={t("account.sessions.revokeNamed", { device: device(s) })} onClick={() => setPending(s)}>
                  {t("account.sessions.revoke")}
                </Button>
              ),
            },
          ]}
        />
      )}
      </div>
      <ConfirmDialog
        open={pending !== null}
        danger
        message={pending ? (pending.current ? t("account.sessions.confirmCurrent") : t("account.sessions.confirm", { device: device(pending) })) : ""}
        confirmLabel={t("account.sessions.revoke")}
        cancelLabel={t("common.cancel")}
        onConfirm={() => void revoke()}
        onCancel={() => setPending(null)}
      />
    </Card>
  );
}
