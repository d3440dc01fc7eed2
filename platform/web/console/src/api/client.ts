/**
 * The console's one way to the API: the client generated from the OpenAPI (openapi-fetch over
 * ./schema.d.ts), with the console session's rules added by a middleware:
 * - the session is the HttpOnly `chainless_session` cookie (same origin, sent by the browser);
 * - every unsafe request carries `X-CSRF-Token` with the value of the `chainless_csrf` cookie
 *   (double-submit, docs/platform.md);
 * - a 401 means the session is gone: `onUnauthenticated` sends the person to sign in.
 * Failures become `ApiError` (a problem+json) or `NetworkError`, both shown in words by the pages.
 */
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema";
import { isProblem, type Problem } from "./problem";

export const CSRF_COOKIE = "chainless_csrf";
export const CSRF_HEADER = "X-CSRF-Token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? `HTTP ${problem.status}`);
    this.name = "ApiError";
  }
}

export class NetworkError extends Error {
  constructor(override readonly cause: unknown) {
    super("network error");
    this.name = "NetworkError";
  }
}

/** The value of cookie `name` in a `document.cookie` string, decoded; "" when absent. */
export function readCookie(cookies: string, name: string): string {
  for (const part of cookies.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return "";
}

export interface SessionHooks {
  cookies: () => string;
  onUnauthenticated: () => void;
}

/**
 * Requests that may answer 401 without it meaning "your session ended": signing in, and a
 * password change whose current password is wrong (`invalid_credentials` on that field).
 */
const SIGN_IN_PATHS = ["/api/v1/auth/login", "/api/v1/accounts", "/api/v1/accounts/me/password"];

export function sessionMiddleware(hooks: SessionHooks): Middleware {
  return {
    onRequest({ request }) {
      if (!SAFE_METHODS.has(request.method.toUpperCase())) {
        const token = readCookie(hooks.cookies(), CSRF_COOKIE);
        if (token) request.headers.set(CSRF_HEADER, token);
      }
      return request;
    },
    onResponse({ request, response }) {
      const path = new URL(request.url).pathname;
      if (response.status === 401 && !SIGN_IN_PATHS.includes(path)) hooks.onUnauthenticated();
      return response;
    },
  };
}

export type ApiClient = ReturnType<typeof createClient<paths>>;

export function createApi(hooks: SessionHooks, fetchImpl?: typeof fetch, baseUrl = ""): ApiClient {
  const client = createClient<paths>({
    baseUrl: baseUrl || (typeof location === "undefined" ? "http://localhost" : location.origin),
    credentials: "same-origin",
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
  client.use(sessionMiddleware(hooks));
  return client;
}

interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The data of a call, or an `ApiError`/`NetworkError` thrown: pages `await unwrap(api.GET(...))`
 * and render the caught error with `problemMessage`/`fieldErrors`.
 */
export async function unwrap<T>(call: Promise<Outcome<T>>): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = await call;
  } catch (cause) {
    throw new NetworkError(cause);
  }
  if (outcome.response.ok) return outcome.data as T;
  const body = outcome.error;
  throw new ApiError(
    isProblem(body) ? body : { status: outcome.response.status, title: outcome.response.statusText },
  );
}
