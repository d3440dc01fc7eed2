/** What every page reads: the language, the API client, the signed-in account, the toasts. */
import { createContext, type ComponentChildren } from "preact";
import { useContext } from "preact/hooks";
import type { ApiClient } from "./api/client";
import type { components } from "./api/schema";
import type { Locale, Translate } from "./i18n";
import type { ToastItem } from "./ui/Alert";

export type Account = components["schemas"]["AccountOut"];

export interface Console {
  t: Translate;
  locale: Locale;
  setLocale: (locale: Locale) => void;
  api: ApiClient;
  /** undefined while loading, null when signed out */
  account: Account | null | undefined;
  setAccount: (account: Account | null) => void;
  toast: (kind: ToastItem["kind"], text: string) => void;
}

const ConsoleContext = createContext<Console | null>(null);

export function ConsoleProvider({ value, children }: { value: Console; children: ComponentChildren }) {
  return <ConsoleContext.Provider value={value}>{children}</ConsoleContext.Provider>;
}

export function useConsole(): Console {
  const value = useContext(ConsoleContext);
  if (value === null) throw new Error("useConsole outside ConsoleProvider");
  return value;
}
