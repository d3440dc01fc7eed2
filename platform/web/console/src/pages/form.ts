import { useState } from "preact/hooks";
import { describeError, type Shown } from "../api/describe";
import { useConsole } from "../context";

/** A form's request state: busy while it runs, the problem in words (and per field) when it fails. */
export function useSubmit<T>(
  run: (form: FormData) => Promise<T>,
  done: (result: T, form: HTMLFormElement) => void,
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
      const shown = describeError(error, t);
      setFailure(shown);
      const first = Object.keys(shown.fields)[0];
      if (first) form.querySelector<HTMLElement>(`[name="${first}"]`)?.focus();
    } finally {
      setBusy(false);
    }
  };
  return { busy, failure, fields: failure?.fields ?? {}, onSubmit };
}

export function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value.trim() : "";
}
