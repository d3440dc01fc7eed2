/**
 * Public-client mode (apps without a backend): the SDK exchanges the code itself at the token
 * endpoint (RFC 6749 §4.1.3, client authentication `none`, PKCE alone), keeps the tokens in
 * memory only, refreshes them five minutes before expiry (spec 3.5.3) and does so in **one tab
 * only**: under an exclusive lock, after which the new tokens are shared with the other tabs over
 * a `BroadcastChannel`. A tab that waited for the lock finds the tokens already rotated and does
 * not present the old refresh token again (that would revoke the family, docs/oauth.md).
 */
import { ChainlessError, ErrorCode } from "./errors.js";
import { defaultLock, type ExclusiveLock } from "./lock.js";

export const REFRESH_MARGIN_MS = 5 * 60_000;
/** How long a refreshing tab waits for another tab's newer tokens before using its own. */
export const SYNC_WAIT_MS = 150;
const METADATA_PATH = "/.well-known/oauth-authorization-server";

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** Epoch milliseconds when the access token expires. */
  expiresAt: number;
  scope: string;
  tokenType: string;
}

export interface TokenClientOptions {
  /** The platform's base URL (its RFC 8414 `issuer`). */
  issuer: string;
  clientId: string;
  fetch?: typeof fetch;
  lock?: ExclusiveLock;
  /** `null` disables sharing between tabs. */
  channel?: BroadcastChannel | null;
  now?: () => number;
  timeout?: number;
}

type ChannelMessage = { type: "tokens"; tokens: TokenSet | null } | { type: "hello" };

export class TokenClient {
  private tokens: TokenSet | null = null;
  private tokenEndpoint: Promise<string> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly fetch: typeof fetch;
  private readonly lock: ExclusiveLock;
  private readonly channel: BroadcastChannel | null;
  private readonly now: () => number;
  private readonly listeners = new Set<(tokens: TokenSet | null) => void>();

  constructor(private readonly options: TokenClientOptions) {
    this.fetch = options.fetch ?? ((...args) => fetch(...args));
    this.lock = options.lock ?? defaultLock();
    this.now = options.now ?? Date.now;
    this.channel =
      options.channel !== undefined
        ? options.channel
        : typeof BroadcastChannel === "function"
          ? new BroadcastChannel(`chainless-tokens:${options.clientId}`)
          : null;
    this.channel?.addEventListener("message", (event) => this.onChannel(event.data as ChannelMessage));
    // a new tab asks the app's open tabs for the tokens they hold
    this.joined = this.sync(undefined);
  }

  private readonly joined: Promise<void>;

  get current(): TokenSet | null {
    return this.tokens;
  }

  onChange(listener: (tokens: TokenSet | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Exchange an authorization code (with its PKCE verifier) for tokens. */
  async exchange(code: string, codeVerifier: string, redirectUri: string): Promise<TokenSet> {
    const tokens = await this.token({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: codeVerifier });
    this.set(tokens, true);
    return tokens;
  }

  /** A valid access token, refreshed first when it has less than five minutes left. */
  async accessToken(): Promise<string> {
    if (!this.tokens) await this.joined;
    const tokens = this.tokens;
    if (!tokens) throw new ChainlessError(ErrorCode.NotLoggedIn, "not logged in");
    if (this.due(tokens)) return (await this.refresh()).accessToken;
    return tokens.accessToken;
  }

  /**
   * Rotate the refresh token, in one tab at a time. Inside the lock the tokens are looked at
   * again: when another tab rotated them meanwhile (its broadcast arrived), they are used as
   * they are.
   */
  refresh(): Promise<TokenSet> {
    const before = this.tokens?.refreshToken;
    return this.lock(`chainless-refresh:${this.options.clientId}`, async () => {
      if (this.tokens?.refreshToken === before) await this.sync(before);
      const tokens = this.tokens;
      if (!tokens?.refreshToken) throw new ChainlessError(ErrorCode.NotLoggedIn, "no refresh token held");
      if (tokens.refreshToken !== before && !this.due(tokens)) return tokens;
      try {
        const next = await this.token({ grant_type: "refresh_token", refresh_token: tokens.refreshToken });
        this.set(next, true);
        return next;
      } catch (error) {
        if (error instanceof ChainlessError && (error.data as { error?: string } | undefined)?.error === "invalid_grant") {
          this.set(null, true);
        }
        throw error;
      }
    });
  }

  /** Forget the tokens here and in the other tabs. */
  logout(): void {
    this.set(null, true);
  }

  close(): void {
    clearTimeout(this.timer);
    this.channel?.close();
    this.listeners.clear();
  }

  /**
   * Ask the other tabs for their tokens and wait up to {@link SYNC_WAIT_MS} for newer ones than
   * `refreshToken`: the tab that held the lock before answers with what it rotated to, even if
   * its broadcast is still on the way.
   */
  private sync(refreshToken: string | undefined): Promise<void> {
    const channel = this.channel;
    if (!channel) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const check = (tokens: TokenSet | null): void => {
        if (tokens?.refreshToken !== refreshToken) done();
      };
      const timer = setTimeout(done, SYNC_WAIT_MS);
      this.listeners.add(check);
      channel.postMessage({ type: "hello" } satisfies ChannelMessage);
    });
  }

  private due(tokens: TokenSet): boolean {
    return tokens.expiresAt - REFRESH_MARGIN_MS <= this.now();
  }

  private set(tokens: TokenSet | null, broadcast: boolean): void {
    this.tokens = tokens;
    clearTimeout(this.timer);
    if (tokens?.refreshToken) {
      const wait = Math.max(0, tokens.expiresAt - REFRESH_MARGIN_MS - this.now());
      this.timer = setTimeout(() => void this.refresh().catch(() => undefined), wait);
    }
    if (broadcast) this.channel?.postMessage({ type: "tokens", tokens } satisfies ChannelMessage);
    for (const listener of this.listeners) listener(tokens);
  }

  private onChannel(message: ChannelMessage): void {
    if (message?.type === "hello") {
      if (this.tokens) this.channel?.postMessage({ type: "tokens", tokens: this.tokens } satisfies ChannelMessage);
    } else if (message?.type === "tokens") {
      // a tab answering late with older tokens must not undo a rotation
      const incoming = message.tokens;
      if (incoming === null || !this.tokens || incoming.expiresAt >= this.tokens.expiresAt) this.set(incoming, false);
    }
  }

  private async token(form: Record<string, string>): Promise<TokenSet> {
    const endpoint = await this.endpoint();
    const body = new URLSearchParams({ ...form, client_id: this.options.clientId });
    const response = await this.send(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body,
    });
    const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok || typeof answer.access_token !== "string") {
      const error = typeof answer.error === "string" ? answer.error : "server_error";
      throw new ChainlessError(ErrorCode.TokenError, String(answer.error_description ?? error), {
        error,
        status: response.status,
      });
    }
    const expiresIn = typeof answer.expires_in === "number" ? answer.expires_in : 900;
    return {
      accessToken: answer.access_token,
      ...(typeof answer.refresh_token === "string" ? { refreshToken: answer.refresh_token } : {}),
      expiresAt: this.now() + expiresIn * 1000,
      scope: typeof answer.scope === "string" ? answer.scope : "",
      tokenType: typeof answer.token_type === "string" ? answer.token_type : "Bearer",
    };
  }

  /** The token endpoint from the server's RFC 8414 metadata, fetched once. */
  private endpoint(): Promise<string> {
    const issuer = this.options.issuer.replace(/\/+$/, "");
    this.tokenEndpoint ??= this.send(issuer + METADATA_PATH, { headers: { Accept: "application/json" } })
      .then((response) => response.json() as Promise<{ issuer?: string; token_endpoint?: string }>)
      .then((metadata) => {
        if (String(metadata.issuer ?? "").replace(/\/+$/, "") !== issuer || !metadata.token_endpoint) {
          throw new ChainlessError(ErrorCode.TokenError, "the authorization server metadata is not this issuer's", {
            error: "invalid_metadata",
          });
        }
        return metadata.token_endpoint;
      });
    this.tokenEndpoint.catch(() => (this.tokenEndpoint = undefined));
    return this.tokenEndpoint;
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    const ms = this.options.timeout ?? 10_000;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), ms);
    try {
      return await this.fetch(url, { ...init, signal: controller.signal });
    } catch (error) {
      throw controller.signal.aborted
        ? new ChainlessError(ErrorCode.Timeout, `${url} did not answer within ${ms} ms`)
        : new ChainlessError(ErrorCode.Disconnected, `cannot reach ${url}: ${String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
