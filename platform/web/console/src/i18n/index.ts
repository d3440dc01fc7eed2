/**
 * Every string of the console goes through `t()`. English is the default and the fallback: a key a
 * table lacks shows the English text, never the bare key (a missing English key is a type error).
 */
import { en, type MessageKey } from "./en";
import { zhCN } from "./zh-CN";

export type Locale = "en" | "zh-CN";
export const LOCALES: readonly { id: Locale; name: string }[] = [
  { id: "en", name: "English" },
  { id: "zh-CN", name: "简体中文" },
];
const TABLES: Record<Locale, Partial<Record<MessageKey, string>>> = { en, "zh-CN": zhCN };
const STORAGE_KEY = "chainless.console.locale";

export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

/** The text of `key` in `locale`, `{name}` placeholders filled from `params`. */
export function translate(locale: Locale, key: MessageKey, params: Params = {}): string {
  // A key from the server (a new status, a new category) that no table has yet shows as itself.
  const text: string = TABLES[locale][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

export function isLocale(value: unknown): value is Locale {
  return value === "en" || value === "zh-CN";
}

/** The stored choice, else English: the default the issue asks for, whatever the browser says. */
export function initialLocale(storage: Pick<Storage, "getItem"> | undefined): Locale {
  const stored = storage?.getItem(STORAGE_KEY);
  return isLocale(stored) ? stored : "en";
}

export function storeLocale(storage: Pick<Storage, "setItem"> | undefined, locale: Locale): void {
  storage?.setItem(STORAGE_KEY, locale);
}

export type { MessageKey };
