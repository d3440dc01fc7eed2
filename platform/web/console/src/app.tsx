/** The console: one provider of shared state, the role-aware shell and the routes. */
import { LocationProvider, Route, Router, useLocation } from "preact-iso";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { createApi, unwrap } from "./api/client";
import { AREAS } from "./areas";
import { ConsoleProvider, useConsole, type Account } from "./context";
import { initialLocale, storeLocale, translate, type Locale, type MessageKey, type Params } from "./i18n";
import { BASE, homeFor, signInUrl } from "./nav";
import { ApiKeys } from "./pages/ApiKeys";
import { AppDetail } from "./pages/AppDetail";
import { Apps } from "./pages/Apps";
import { Message } from "./pages/Message";
import { Operator } from "./pages/Operator";
import { Qualification } from "./pages/Qualification";
import { SignIn } from "./pages/SignIn";
import { SignUp } from "./pages/SignUp";
import { TokenLanding } from "./pages/TokenLanding";
import { Shell } from "./Shell";
import { Loading, Toasts, type ToastItem } from "./ui/Alert";
import type { ComponentType } from "preact";

const storage = typeof localStorage === "undefined" ? undefined : localStorage;

function State({ children }: { children: preact.ComponentChildren }) {
  const { url, route } = useLocation();
  const [locale, setLocaleState] = useState<Locale>(() => initialLocale(storage));
  const [account, setAccount] = useState<Account | null | undefined>(undefined);
  const [toasts, setToasts] = useState<ToastItem[]>([]);
  const current = useRef(url);
  current.current = url;
  const signedIn = useRef(false);
  signedIn.current = Boolean(account);
  const api = useMemo(
    () =>
      createApi({
        cookies: () => document.cookie,
        // Only a session that existed can end; the first look (GET /me) of a visitor is a 401 too.
        onUnauthenticated: () => {
          if (!signedIn.current) return;
          setAccount(null);
          route(signInUrl(current.current, true));
        },
      }),
    [],
  );
  useEffect(() => {
    unwrap(api.GET("/api/v1/accounts/me")).then(setAccount, () => setAccount(null));
  }, [api]);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const t = (key: MessageKey, params?: Params) => translate(locale, key, params);
  const value = {
    t,
    locale,
    setLocale: (next: Locale) => {
      storeLocale(storage, next);
      setLocaleState(next);
    },
    api,
    account,
    setAccount,
    toast: (kind: ToastItem["kind"], text: string) => {
      const id = Date.now() + Math.random();
      setToasts((all) => [...all, { id, kind, text }]);
      setTimeout(() => setToasts((all) => all.filter((item) => item.id !== id)), 5000);
    },
  };
  return (
    <ConsoleProvider value={value}>
      {children}
      <Toasts items={toasts} />
    </ConsoleProvider>
  );
}

/** A page for signed-in people: while the account loads, wait; when signed out, go sign in. */
function signedIn<P extends object>(Page: ComponentType<P>, roles?: readonly string[]) {
  return function Guarded(props: P) {
    const { account, t } = useConsole();
    const { url, route } = useLocation();
    useEffect(() => {
      if (account === null) route(signInUrl(url), true);
    }, [account, url]);
    if (!account) return <main><Loading label={t("common.loading")} /></main>;
    if (roles && !roles.some((role) => account.roles.includes(role))) {
      return <Message title="forbidden.title" body="forbidden.body" />;
    }
    return <Page {...props} />;
  };
}

function Home() {
  const { account, t } = useConsole();
  const { route } = useLocation();
  useEffect(() => {
    if (account === null) route(`${BASE}/sign-in`, true);
    if (account) route(homeFor(account.roles), true);
  }, [account]);
  return <main><Loading label={t("common.loading")} /></main>;
}

const AppsPage = signedIn(Apps, ["developer"]);
const AppDetailPage = signedIn(AppDetail, ["developer"]);
const ApiKeysPage = signedIn(ApiKeys, ["developer"]);
const QualificationPage = signedIn(Qualification, ["developer"]);
const OperatorPage = signedIn(Operator, ["platform_operator", "platform_devops", "platform_tech"]);
// Wrapped once here: a component made during render would be a new type, and remount, each time.
const AREA_ROUTES = AREAS.flatMap((area) => area.routes).map((route) => ({
  path: `${BASE}${route.path}`,
  component: route.roles ? signedIn(route.component, route.roles) : route.component,
}));
const NotFound = () => <Message title="notFound.title" body="notFound.body" />;

/** After a route change, move focus to the new page's heading: a screen reader reads where it is. */
function focusHeading() {
  requestAnimationFrame(() => {
    const heading = document.querySelector<HTMLElement>("#content h1");
    if (!heading) return;
    heading.tabIndex = -1;
    heading.focus({ preventScroll: false });
  });
}

export function App() {
  return (
    <LocationProvider scope={BASE}>
      <State>
        <Shell>
          <Router onRouteChange={focusHeading}>
            <Route path={`${BASE}`} component={Home} />
            <Route path={`${BASE}/`} component={Home} />
            <Route path={`${BASE}/sign-in`} component={SignIn} />
            <Route path={`${BASE}/sign-up`} component={SignUp} />
            <Route path={`${BASE}/verify-email`} component={() => <TokenLanding kind="verify" />} />
            <Route path={`${BASE}/unlock-sign-in`} component={() => <TokenLanding kind="unlock" />} />
            <Route path={`${BASE}/apps`} component={AppsPage} />
            <Route path={`${BASE}/apps/:id`} component={AppDetailPage} />
            <Route path={`${BASE}/apps/:id/keys`} component={ApiKeysPage} />
            <Route path={`${BASE}/qualification`} component={QualificationPage} />
            <Route path={`${BASE}/operator`} component={OperatorPage} />
            {AREA_ROUTES.map((route) => <Route key={route.path} path={route.path} component={route.component} />)}
            <Route default component={NotFound} />
          </Router>
        </Shell>
      </State>
    </LocationProvider>
  );
}
