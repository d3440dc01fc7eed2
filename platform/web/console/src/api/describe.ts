import type { Translate } from "../i18n";
import { ApiError, NetworkError } from "./client";
import { fieldErrors, problemMessage } from "./problem";

/** What a page shows of a failed call: one sentence, and the messages for its fields. */
export interface Shown {
  message: string;
  fields: Record<string, string>;
}

export function describeError(error: unknown, t: Translate): Shown {
  if (error instanceof ApiError) {
    return { message: problemMessage(error.problem, t), fields: fieldErrors(error.problem) };
  }
  if (error instanceof NetworkError) return { message: t("error.network"), fields: {} };
  return { message: t("error.unexpected", { status: 0 }), fields: {} };
}
