import { useState } from "preact/hooks";
import { describeError, type Shown } from "../api/describe";
import { useConsole } from "../context";
import type { Translate } from "../i18n";

export interface SubmitOptions {
  /** how a failure is put in words (an area may know more codes); the shared one by default */
  describe?: (error: unknown, t: Translate) => Shown;
  /** the API's field name → this form's, where two forms of a page share a name */
  rename?: Record<string, string>;
}

/** A form's request state: busy while it runs, the problem in words (and per field) when it fails. */
export function useSubmit<T>(
  run: (form: FormData) => Promise<T>,
  done: (result: T, form: HTMLFormElement) => void,
  { describe = describeError, rename = {} }: SubmitOptions = {},
) {
  const { t } = useConsole();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Shown | null>(null);
  const onSubmit = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    setBusy(true);
    setFailure(null);
    try {
      done(await run(new FormData(form)), form);
    } catch (error) {
      const described = describe(error, t);
      const shown = {
        message: described.message,
        fields: Object.fromEntries(Object.entries(described.fields).map(([k, v]) => [rename[k] ?? k, v])),
      };
      setFailure(shown);
      const first = Object.keys(shown.fields)[0];
      if (first) form.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
    } finally {
      setBusy(false);
    }
  };
  return { busy, failure, fields: failure?.fields ?? {}, onSubmit, fail: setFailure };
}

export function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value.trim() : "";
}
