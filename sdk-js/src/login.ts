/**
 * `login()`: the authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636) run by the host.
 * The SDK makes the PKCE pair and `state`, the host runs authorize + SIWE (EIP-4361) + consent
 * (`chainless_authorize`), the SDK checks the `state` that comes back and hands out the code.
 */
import type { Bridge, CallOptions } from "./bridge.js";
import { ChainlessError, ErrorCode } from "./errors.js";
import { createPkce, createState, sameString } from "./pkce.js";
import { Method } from "./protocol.js";

/** The platform's scope names (docs/oauth.md, "Scopes"). */
export type Scope =
  | "basic:address"
  | "basic:user_id"
  | "extended:phone"
  | "extended:email"
  | "transaction:sign"
  | "transaction:broadcast"
  | "assets:balance"
  | "assets:transfer";

export interface LoginOptions extends CallOptions {
  scopes: Scope[];
  /** A redirect URI registered for the app (default: this page without query and fragment). */
  redirectUri?: string;
  /** `"consent"` shows the consent screen even for scopes granted before. */
  prompt?: "consent";
}

/** What the app backend needs for `POST /oauth/token` (sdk-py `exchange_code`). */
export interface AuthorizationCode {
  code: string;
  state: string;
  redirectUri: string;
  codeVerifier: string;
  /** The scopes the user granted (may be fewer than asked when extended ones were declined). */
  scopes: string[];
}

interface AuthorizeResult {
  code?: unknown;
  state?: unknown;
  scope?: unknown;
  extended_confirmed?: unknown;
  error?: unknown;
  error_description?: unknown;
}

export const isExtended = (scope: string): boolean => scope.startsWith("extended:");

export function defaultRedirectUri(): string {
  return location.origin + location.pathname;
}

export async function authorize(bridge: Bridge, clientId: string, options: LoginOptions): Promise<AuthorizationCode> {
  if (!options.scopes.length) throw new ChainlessError(ErrorCode.InvalidParams, "login needs at least one scope");
  const pkce = await createPkce();
  const state = createState();
  const redirectUri = options.redirectUri ?? defaultRedirectUri();
  const extended = options.scopes.filter(isExtended);
  const result = await bridge.call<AuthorizeResult>(
    Method.Authorize,
    {
      response_type: "code",
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: options.scopes.join(" "),
      state,
      code_challenge: pkce.challenge,
      code_challenge_method: pkce.method,
      extended_scopes: extended,
      ...(options.prompt ? { prompt: options.prompt } : {}),
    },
    options,
  );
  return checkResult(result ?? {}, state, redirectUri, pkce.verifier, options.scopes);
}

function checkResult(
  result: AuthorizeResult,
  state: string,
  redirectUri: string,
  codeVerifier: string,
  asked: string[],
): AuthorizationCode {
  // RFC 6749 §10.12: a redirect that does not carry our state is not the answer to our request
  if (typeof result.state !== "string" || !sameString(result.state, state)) {
    throw new ChainlessError(ErrorCode.StateMismatch, "the authorization answer carries another state; refused");
  }
  if (typeof result.error === "string") {
    const code = result.error === "access_denied" ? ErrorCode.UserRejected : ErrorCode.Unauthorized;
    throw new ChainlessError(code, String(result.error_description ?? result.error), { error: result.error });
  }
  if (typeof result.code !== "string" || !result.code) {
    throw new ChainlessError(ErrorCode.Internal, "the host answered without an authorization code");
  }
  const scopes = typeof result.scope === "string" ? result.scope.split(" ").filter(Boolean) : asked;
  // spec 3.5.3.1.3: personal data needs a second, separate confirmation
  if (scopes.some(isExtended) && result.extended_confirmed !== true) {
    throw new ChainlessError(
      ErrorCode.ExtendedNotConfirmed,
      "extended scopes were granted without the second confirmation; refused",
    );
  }
  return { code: result.code, state, redirectUri, codeVerifier, scopes };
}
