/**
 * A failed call of these pages in words: the shared description (api/describe.ts) plus the fields
 * of the codes only these pages meet, pydantic's sentences in the person's language, and a 403
 * that says who may do it.
 */
import { ApiError } from "../../api/client";
import { describeError, type Shown } from "../../api/describe";
import { useSubmit } from "../../pages/form";
import type { Translate } from "../../i18n";
import { SETTINGS_CODE_FIELDS, wording } from "./logic";

/** A problem raised in the browser before any call (a field the API would refuse anyway). */
export class LocalProblem extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

export function describe(error: unknown, t: Translate): Shown {
  if (error instanceof LocalProblem) return { message: t("error.fieldsBelow"), fields: { [error.field]: error.message } };
  const shown = describeError(error, t);
  if (!(error instanceof ApiError)) return shown;
  const { problem } = error;
  const fields = { ...shown.fields };
  for (const entry of problem.errors ?? []) {
    const [where, name] = entry.location ?? [];
    if (where !== "body" || typeof name !== "string" || fields[name] !== entry.message) continue;
    const said = wording(entry.type, entry.message);
    if (said?.key === "required") fields[name] = t("settings.err.required");
    if (said?.key === "tooLong") fields[name] = t("settings.err.tooLong", { max: said.max });
    if (said?.key === "tag") fields[name] = t("settings.err.tag");
  }
  const own = SETTINGS_CODE_FIELDS[problem.code ?? ""];
  if (own && !(own in fields) && problem.detail) fields[own] = problem.detail;
  let message = shown.message;
  if (problem.status === 403) message = t("settings.err.forbidden");
  else if (Object.keys(fields).length > 0) message = t("error.fieldsBelow");
  return { message, fields };
}

/** A form's request state (pages/form.ts `useSubmit`) with the failure described as above. */
export function useSettingsSubmit<T>(
  run: (form: FormData) => Promise<T>,
  done: (result: T, form: HTMLFormElement) => void,
  /** the API's field name → this form's, where two forms of a page share a name */
  rename: Record<string, string> = {},
) {
  return useSubmit(run, done, { describe, rename });
}
