import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import type { MessageKey } from "../../i18n";
import { AppFrame } from "../../pages/AppFrame";
import { text } from "../../pages/form";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card, Table } from "../../ui/Card";
import { Field, SelectField } from "../../ui/Field";
import { useAsk } from "./ask";
import { MEMBER_ROLES, mayEdit, type AppOut } from "./logic";
import { describe, useSettingsSubmit } from "./problems";

type Member = components["schemas"]["MemberOut"];

/** `/apps/:id/members`: who works on the app, invitations by email, removal (asked once). */
export function Members() {
  const { t } = useConsole();
  return (
    <AppFrame section="members" title={t("members.title")}>
      {(app) => <MemberList app={app} />}
    </AppFrame>
  );
}

function Roles() {
  const { t } = useConsole();
  return (
    <Card title={t("members.roles")}>
      <dl class="facts">
        <dt>{t("members.role.developer")}</dt><dd>{t("members.role.developer.means")}</dd>
        {MEMBER_ROLES.map((role) => (
          <Fragment key={role}><dt>{t(`members.role.${role}` as MessageKey)}</dt><dd>{t(`members.role.${role}.means` as MessageKey)}</dd></Fragment>
        ))}
      </dl>
    </Card>
  );
}

function MemberList({ app }: { app: AppOut }) {
  const { t, api, toast, locale, account } = useConsole();
  const path = { params: { path: { app_id: app.app_id } } };
  const [members, setMembers] = useState<Member[] | null>(null);
  const [loadError, setLoadError] = useState<{ text: string; forbidden: boolean } | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [ask, dialog] = useAsk();
  const load = () => {
    setLoadError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/members", path)).then(setMembers, (e) =>
      setLoadError({ text: describe(e, t).message, forbidden: e instanceof ApiError && e.problem.status === 403 }),
    );
  };
  useEffect(load, [app.app_id]);
  const { busy, failure, fields, onSubmit } = useSettingsSubmit(
    (form) => unwrap(api.POST("/api/v1/apps/{app_id}/members", { ...path, body: { email: text(form, "email") } })),
    (invited, form) => {
      form.reset();
      toast("ok", t("members.invited", { email: invited.email }));
      load();
    },
  );
  const remove = async (member: Member) => {
    setActionError(null);
    try {
      await unwrap(api.DELETE("/api/v1/apps/{app_id}/members/{member_id}", { params: { path: { app_id: app.app_id, member_id: member.id } } }));
      toast("ok", t(member.status === "accepted" ? "members.removed" : "members.withdrawn", { email: member.email }));
      load();
    } catch (e) {
      setActionError(describe(e, t).message);
    }
  };
  const when = (value: string | null) => (value ? new Date(value).toLocaleDateString(locale) : "—");
  if (loadError?.forbidden || !mayEdit(app, account?.id)) {
    return (
      <>
        <Alert kind="error">{t("members.forbidden")}</Alert>
        <Roles />
      </>
    );
  }
  return (
    <>
      {actionError && <Alert kind="error">{actionError}</Alert>}
      <Card>
        {loadError ? (
          <Alert kind="error">{loadError.text} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
        ) : members === null ? (
          <Loading label={t("common.loading")} />
        ) : members.length === 0 ? (
          <p class="muted">{t("members.empty")}</p>
        ) : (
          <Table
            caption={t("members.title")}
            rows={members}
            rowKey={(m) => m.id}
            columns={[
              { key: "email", label: t("members.email"), render: (m) => m.email },
              { key: "role", label: t("members.roleColumn"), render: (m) => t(`members.role.${m.role}` as MessageKey) },
              { key: "status", label: t("members.status"), render: (m) => <span class={`badge member-${m.status}`}>{t(`members.status.${m.status}` as MessageKey)}</span> },
              {
                key: "since",
                label: t("members.since"),
                render: (m) => (m.accepted_at ? t("members.joined", { date: when(m.accepted_at) }) : t("members.invitedOn", { date: when(m.invited_at), until: when(m.invite_expires_at) })),
              },
              {
                key: "actions",
                label: t("settings.actions"),
                render: (m) => (
                  <Button
                    small
                    variant="danger"
                    aria-label={t("members.removeNamed", { email: m.email })}
                    onClick={() =>
                      ask({
                        message: t(m.status === "accepted" ? "members.confirmRemove" : "members.confirmWithdraw", { email: m.email }),
                        confirmLabel: t("members.remove"),
                        danger: true,
                        run: () => remove(m),
                      })}
                  >
                    {t("members.remove")}
                  </Button>
                ),
              },
            ]}
          />
        )}
      </Card>
      <Card title={t("members.invite")}>
        {failure && <Alert kind="error">{failure.message}</Alert>}
        <form onSubmit={onSubmit} aria-label={t("members.invite")} noValidate>
          <div class="row">
            <Field name="email" label={t("members.email")} type="email" autoComplete="off" error={fields.email} />
            <SelectField
              name="role"
              label={t("members.roleColumn")}
              hint={t("members.roleHint")}
              options={MEMBER_ROLES.map((role) => ({ value: role, label: t(`members.role.${role}` as MessageKey) }))}
            />
          </div>
          <Button type="submit" busy={busy}>{t("members.inviteSubmit")}</Button>
        </form>
      </Card>
      <Roles />
      {dialog}
    </>
  );
}
