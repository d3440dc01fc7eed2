/**
 * `sdk.fetch`: `fetch` with a timeout that attaches the user's access token (RFC 6750
 * `Authorization: Bearer`) only to origins the app named as its own. Third parties never get it,
 * and the refresh token never leaves the token endpoint call.
 */
import { ChainlessError, ErrorCode } from "./errors.js";

export interface FetchOptions {
  /** Origins that may receive the access token (default: this page's origin). */
  credentialOrigins?: string[];
  /** The current access token, or `undefined` when not logged in. */
  accessToken: () => Promise<string | undefined>;
  timeout?: number;
  fetch?: typeof fetch;
}

export type AppFetch = (input: string | URL, init?: RequestInit & { timeout?: number }) => Promise<Response>;

export function createFetch(options: FetchOptions): AppFetch {
  const trusted = new Set((options.credentialOrigins ?? [location.origin]).map((origin) => new URL(origin).origin));
  const send = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  return async (input, init = {}) => {
    const url = new URL(String(input), location.href);
    const headers = new Headers(init.headers);
    if (trusted.has(url.origin) && !headers.has("Authorization")) {
      const token = await options.accessToken();
      if (token) headers.set("Authorization", `Bearer ${token}`);
    }
    const ms = init.timeout ?? options.timeout ?? 10_000;
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    init.signal?.addEventListener("abort", abort);
    const timer = setTimeout(abort, ms);
    try {
      return await send(url.href, { ...init, headers, signal: controller.signal });
    } catch (error) {
      if (init.signal?.aborted) throw error;
      throw controller.signal.aborted
        ? new ChainlessError(ErrorCode.Timeout, `${url.origin} did not answer within ${ms} ms`)
        : new ChainlessError(ErrorCode.Disconnected, `cannot reach ${url.origin}: ${String(error)}`);
    } finally {
      clearTimeout(timer);
      init.signal?.removeEventListener("abort", abort);
    }
  };
}
