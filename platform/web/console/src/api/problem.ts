/**
 * RFC 9457 problem+json as the platform answers it (platform/core/errors.py, ProblemDetail):
 * `code` is stable; a 422 `validation_error` lists `errors[]` with a `location` such as
 * ["body", "redirect_uris", 0]; a rule with its own code (invalid_redirect_uri, weak_password, ...)
 * names its field through `field` when it has one, else through the table below.
 */
import type { MessageKey, Translate } from "../i18n";

export interface FieldProblem {
  location: (string | number)[];
  message: string;
  type?: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  field?: string;
  errors?: FieldProblem[] | null;
  request_id?: string | null;
  [extra: string]: unknown;
}

/** The form field a coded problem belongs to, for the codes whose body does not say. */
const CODE_FIELDS: Record<string, string> = {
  invalid_redirect_uri: "redirect_uris",
  unknown_scope: "requested_scopes",
  invalid_domain: "domains",
  invalid_icon_url: "icon_url",
  invalid_repo_url: "repo_url",
  invalid_ref_name: "ref",
  weak_password: "password",
  email_taken: "email",
};

/** Codes whose platform detail is not the best thing to show: a sentence of our own instead. */
const CODE_MESSAGES: Record<string, MessageKey> = {
  invalid_credentials: "signIn.failed",
  account_locked: "signIn.locked",
  rate_limited: "error.rateLimited",
  permission_denied: "error.forbidden",
  email_not_verified: "apps.notVerified",
};

export function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && typeof (value as Problem).status === "number";
}

/** The field a validation error's location points at: the first member after "body"/"query". */
function fieldOf(location: (string | number)[]): string | undefined {
  const [where, name] = location;
  if ((where === "body" || where === "query" || where === "path") && typeof name === "string") {
    return name;
  }
  return undefined;
}

/** Field name → the message to show next to it; the first message of a field wins. */
export function fieldErrors(problem: Problem): Record<string, string> {
  const found: Record<string, string> = {};
  for (const entry of problem.errors ?? []) {
    const field = fieldOf(entry.location ?? []);
    if (field !== undefined && !(field in found)) found[field] = entry.message;
  }
  const coded = typeof problem.field === "string" ? problem.field : CODE_FIELDS[problem.code ?? ""];
  if (coded !== undefined && !(coded in found) && problem.detail) found[coded] = problem.detail;
  return found;
}

/** One sentence for the whole problem, in the person's language where we have one. */
export function problemMessage(problem: Problem, t: Translate): string {
  const own = CODE_MESSAGES[problem.code ?? ""];
  if (own !== undefined) return t(own);
  if (problem.status >= 500 || !problem.detail) return t("error.unexpected", { status: problem.status });
  if (Object.keys(fieldErrors(problem)).length > 0) return t("error.fieldsBelow");
  return problem.code ? t("error.withCode", { detail: problem.detail, code: problem.code }) : problem.detail;
}
