/** The frame around every page: brand, the navigation the account's roles allow, language, sign-out. */
import type { ComponentChildren } from "preact";
import { useLocation } from "preact-iso";
import { useState } from "preact/hooks";
import { unwrap } from "./api/client";
import { describeError } from "./api/describe";
import { areaNav } from "./areas";
import { useConsole } from "./context";
import { LOCALES, isLocale } from "./i18n";
import { BASE, navFor, type NavItem } from "./nav";
import { ConfirmDialog } from "./ui/Dialog";

export function Shell({ children }: { children: ComponentChildren }) {
  const { t, locale, setLocale, account, setAccount, api, toast } = useConsole();
  const { path, route } = useLocation();
  const [asking, setAsking] = useState(false);
  const signOut = async () => {
    setAsking(false);
    try {
      await unwrap(api.POST("/api/v1/auth/logout"));
      setAccount(null);
      route(`${BASE}/sign-in`);
    } catch (error) {
      toast("error", describeError(error, t).message);
    }
  };
  return (
    <>
      <a class="skip" href="#content">{t("app.skip")}</a>
      <header class="shell-header">
        <a class="brand" href={`${BASE}/`}>{t("app.title")}</a>
        {account && (
          <nav class="nav" aria-label={t("nav.label")}>
            <ul>
              {navFor(account.roles, areaNav()).map((item: NavItem) => (
                <li key={item.href}>
                  <a href={item.href} aria-current={path.startsWith(item.href) ? "page" : undefined}>{t(item.label)}</a>
                </li>
              ))}
              <li><button type="button" onClick={() => setAsking(true)}>{t("nav.signOut")}</button></li>
            </ul>
          </nav>
        )}
        <label>
          <span class="skip">{t("lang.label")}</span>
          <select value={locale} onChange={(e) => { const v = e.currentTarget.value; if (isLocale(v)) setLocale(v); }}>
            {LOCALES.map((l) => <option key={l.id} value={l.id} lang={l.id}>{l.name}</option>)}
          </select>
        </label>
      </header>
      <div id="content">{children}</div>
      <ConfirmDialog
        open={asking}
        message={t("signOut.confirm")}
        confirmLabel={t("nav.signOut")}
        cancelLabel={t("common.cancel")}
        onConfirm={signOut}
        onCancel={() => setAsking(false)}
      />
    </>
  );
}
