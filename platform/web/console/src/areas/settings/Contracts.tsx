import { useEffect, useState } from "preact/hooks";
import { unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useConsole } from "../../context";
import { text } from "../../pages/form";
import { Alert, Loading } from "../../ui/Alert";
import { Button } from "../../ui/Button";
import { Card, Table } from "../../ui/Card";
import { Field, SelectField } from "../../ui/Field";
import type { Ask } from "./ask";
import { ENVIRONMENTS, parseAbi } from "./logic";
import { describe, LocalProblem, useSettingsSubmit } from "./problems";

type Contract = components["schemas"]["ContractOut"];
type Environment = (typeof ENVIRONMENTS)[number];

/**
 * The contracts the relay lets this app call, per environment (GET/PUT/DELETE
 * /apps/{id}/contracts/{environment}/{address}); the address is checked (EIP-55) by the API.
 */
export function Contracts({ appId, editable, ask }: { appId: string; editable: boolean; ask: Ask }) {
  const { t, api, toast } = useConsole();
  const [contracts, setContracts] = useState<Contract[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const load = () => {
    setLoadError(null);
    unwrap(api.GET("/api/v1/apps/{app_id}/contracts", { params: { path: { app_id: appId } } })).then(
      setContracts,
      (e) => setLoadError(describe(e, t).message),
    );
  };
  useEffect(load, [appId]);
  const { busy, failure, fields, onSubmit } = useSettingsSubmit(
    (form) => {
      const parsed = parseAbi(String(form.get("abi") ?? ""));
      if ("error" in parsed) throw new LocalProblem("abi", t(`settings.contracts.${parsed.error}`));
      const environment = (text(form, "environment") || "dev") as Environment;
      const address = text(form, "address");
      if (!address) throw new LocalProblem("address", t("settings.err.required"));
      return unwrap(
        api.PUT("/api/v1/apps/{app_id}/contracts/{environment}/{address}", {
          params: { path: { app_id: appId, environment, address } },
          body: {
            name: text(form, "contract_name"),
            abi: parsed.abi,
            method_allowlist: text(form, "method_allowlist").split(/[,\s]+/).filter(Boolean),
          },
        }),
      );
    },
    (saved, form) => {
      form.reset();
      toast("ok", t("settings.contracts.added", { name: saved.name, environment: saved.environment }));
      load();
    },
    { name: "contract_name" },
  );
  const remove = async (contract: Contract) => {
    setActionError(null);
    try {
      await unwrap(
        api.DELETE("/api/v1/apps/{app_id}/contracts/{environment}/{address}", {
          params: { path: { app_id: appId, environment: contract.environment as Environment, address: contract.address } },
        }),
      );
      toast("ok", t("settings.contracts.removed", { name: contract.name }));
      load();
    } catch (e) {
      setActionError(describe(e, t).message);
    }
  };
  return (
    <Card title={t("settings.contracts.title")}>
      <p class="muted">{t("settings.contracts.intro")}</p>
      {actionError && <Alert kind="error">{actionError}</Alert>}
      {loadError ? (
        <Alert kind="error">{loadError} <Button small variant="secondary" onClick={load}>{t("common.retry")}</Button></Alert>
      ) : contracts === null ? (
        <Loading label={t("common.loading")} />
      ) : contracts.length === 0 ? (
        <p class="muted">{t("settings.contracts.empty")}</p>
      ) : (
        <Table
          caption={t("settings.contracts.title")}
          rows={contracts}
          rowKey={(c) => c.id}
          columns={[
            { key: "env", label: t("settings.contracts.environment"), render: (c) => <span class="badge">{c.environment}</span> },
            { key: "name", label: t("settings.contracts.name"), render: (c) => c.name },
            { key: "address", label: t("settings.contracts.address"), render: (c) => <code>{c.address}</code> },
            {
              key: "methods",
              label: t("settings.contracts.methods"),
              render: (c) => (c.method_allowlist.length ? c.method_allowlist.map((m) => <code key={m} class="chip">{m}</code>) : <span class="muted">{t("settings.contracts.anyMethod")}</span>),
            },
            ...(editable
              ? [{
                  key: "actions",
                  label: t("settings.actions"),
                  render: (c: Contract) => (
                    <Button small variant="danger" aria-label={t("settings.contracts.removeNamed", { name: c.name, environment: c.environment })} onClick={() =>
                      ask({
                        message: t("settings.contracts.confirmRemove", { name: c.name, environment: c.environment }),
                        confirmLabel: t("settings.contracts.remove"),
                        danger: true,
                        run: () => remove(c),
                      })}>
                      {t("settings.contracts.remove")}
                    </Button>
                  ),
                }]
              : []),
          ]}
        />
      )}
      {editable && (
        <form onSubmit={onSubmit} aria-label={t("settings.contracts.add")} noValidate class="subform">
          <h3>{t("settings.contracts.add")}</h3>
          {failure && <Alert kind="error">{failure.message}</Alert>}
          <div class="row">
            <SelectField name="environment" label={t("settings.contracts.environment")} options={ENVIRONMENTS.map((env) => ({ value: env, label: env }))} />
            <Field name="contract_name" label={t("settings.contracts.name")} error={fields.contract_name} />
          </div>
          <Field name="address" label={t("settings.contracts.address")} placeholder="0x…" hint={t("settings.contracts.addressHint")} autoComplete="off" spellcheck={false} error={fields.address} />
          <Field name="abi" label={t("settings.contracts.abi")} multiline hint={t("settings.contracts.abiHint")} placeholder="[]" spellcheck={false} error={fields.abi} />
          <Field name="method_allowlist" label={t("settings.contracts.allowlist")} hint={t("settings.contracts.allowlistHint")} placeholder="0xa9059cbb" error={fields.method_allowlist} />
          <Button type="submit" busy={busy}>{t("settings.contracts.addSubmit")}</Button>
        </form>
      )}
    </Card>
  );
}
