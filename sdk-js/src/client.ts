/**
 * `createChainless()`: one SDK instance for one mini-program, putting the modules together.
 * Nothing happens at import time; everything starts here and stops with `close()`.
 */
import { Analytics, discardSink, httpSink, type AnalyticsSink } from "./analytics.js";
import { Bridge, DEFAULT_INTERACTION_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, type HostInfo } from "./bridge.js";
import { ChainlessError, ErrorCode } from "./errors.js";
import { Emitter, type HostEvents, type Listener } from "./events.js";
import type { ExclusiveLock } from "./lock.js";
import { authorize, type AuthorizationCode, type LoginOptions } from "./login.js";
import { createFetch, type AppFetch } from "./net.js";
import { Method } from "./protocol.js";
import { announceProvider, ChainlessProvider, type ProviderInfo } from "./provider.js";
import { sendSponsored, type SponsoredCall, type SponsoredRequest } from "./sponsored.js";
import { createStorage, type AppStorage, type StorageOptions } from "./storage.js";
import { TokenClient, type TokenSet } from "./tokens.js";
import { detectTransport, noHost, type Transport } from "./transport.js";

export const IS_IN_WALLET_TIMEOUT_MS = 1_000;

export interface ChainlessOptions {
  /** The mini-program's `app_id` (its OAuth `client_id`). */
  appId: string;
  /** The wallet host's origin when in an iframe (default: the embedding page's origin). */
  hostOrigin?: string;
  /** A transport of your own (tests, custom hosts); default: detected. */
  transport?: Transport;
  /** Every call's timeout until the host answers or acknowledges, ms (default 10 000). */
  timeout?: number;
  /** How long a request the user is looking at may take, ms (default 300 000). */
  interactionTimeout?: number;
  /**
   * `"confidential"` (default): `login()` returns the code for the app backend.
   * `"public"`: the SDK exchanges it itself and keeps the tokens in memory.
   */
  mode?: "confidential" | "public";
  /** The platform's base URL (RFC 8414 issuer), for the public mode; default: the host's. */
  issuer?: string;
  /** Origins that `sdk.fetch` may send the access token to (default: this page's origin). */
  credentialOrigins?: string[];
  storage?: StorageOptions;
  /** An endpoint to post analytics to, or a sink of your own; default: events are dropped. */
  analytics?: { endpoint: string } | { sink: AnalyticsSink };
  /** EIP-6963 announcement of `sdk.provider` (default true). */
  announce?: boolean;
  /** EIP-6963: another name, icon or rdns than Chainless's (a wallet of another brand). */
  providerInfo?: Partial<Omit<ProviderInfo, "uuid">>;
  /** Advanced: the cross-tab lock used for refreshes (default: Web Locks). */
  lock?: ExclusiveLock;
}

/** What `login()` gives: the code for the backend and, in public mode, the tokens. */
export interface LoginResult extends AuthorizationCode {
  tokens?: TokenSet;
}

export interface Chainless {
  readonly provider: ChainlessProvider;
  readonly storage: AppStorage;
  readonly fetch: AppFetch;
  /** Counters of ignored messages (`origin`, `malformed`, `oversized`, `unknownId`). */
  readonly dropped: Bridge["dropped"];
  isInWallet(): Promise<boolean>;
  handshake(): Promise<HostInfo>;
  login(options: LoginOptions): Promise<LoginResult>;
  /** Public mode: a valid access token (refreshed when due). */
  accessToken(): Promise<string>;
  logout(): void;
  sendSponsored(call: SponsoredCall): Promise<SponsoredRequest>;
  on<K extends keyof HostEvents>(type: K, listener: Listener<HostEvents[K]>): () => void;
  track(name: string, props?: Record<string, unknown>): void;
  flush(): void;
  close(): void;
}

const HOST_EVENTS: ReadonlyArray<keyof HostEvents> = [
  "visibility",
  "network",
  "accountsChanged",
  "chainChanged",
  "connect",
  "disconnect",
];

export function createChainless(options: ChainlessOptions): Chainless {
  const transport = options.transport ?? detectTransport(options.hostOrigin);
  const inHost = transport !== undefined;
  const bridge = new Bridge(transport ?? noHost(), {
    timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
    interactionTimeout: options.interactionTimeout ?? DEFAULT_INTERACTION_TIMEOUT_MS,
  });
  const events = new Emitter<HostEvents>();
  const stops: Array<() => void> = [];
  stops.push(
    bridge.onNotification((method, params) => {
      if (method !== Method.Event) return;
      const { type, data } = (params ?? {}) as { type?: keyof HostEvents; data?: never };
      if (type && HOST_EVENTS.includes(type)) events.emit(type, data as never);
    }),
  );
  stops.push(...pageEvents(events));
  const provider = new ChainlessProvider(bridge, {}, events);
  if (options.announce !== false && typeof window !== "undefined") stops.push(announceProvider(provider, window, options.providerInfo));

  let tokens: TokenClient | undefined;
  const tokenClient = async (): Promise<TokenClient> => {
    if (tokens) return tokens;
    const issuer = options.issuer ?? (await bridge.handshake()).issuer;
    if (!issuer) throw new ChainlessError(ErrorCode.InvalidParams, "public mode needs the platform's issuer URL");
    return (tokens ??= new TokenClient({ issuer, clientId: options.appId, ...(options.lock ? { lock: options.lock } : {}) }));
  };
  // public mode: join the app's other tabs now, so a new tab gets the tokens they hold
  if (options.mode === "public" && inHost) void tokenClient().catch(() => undefined);
  const analytics = new Analytics(
    !options.analytics
      ? discardSink
      : "sink" in options.analytics
        ? options.analytics.sink
        : httpSink(options.analytics.endpoint, options.appId),
  );

  return {
    provider,
    storage: createStorage(options.appId, options.storage),
    fetch: createFetch({
      ...(options.credentialOrigins ? { credentialOrigins: options.credentialOrigins } : {}),
      accessToken: async () => (tokens?.current ? tokens.accessToken() : undefined),
      timeout: options.timeout ?? DEFAULT_TIMEOUT_MS,
    }),
    dropped: bridge.dropped,
    async isInWallet() {
      if (!inHost) return false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), IS_IN_WALLET_TIMEOUT_MS)));
      const answer = bridge.handshake({ timeout: IS_IN_WALLET_TIMEOUT_MS }).then(
        () => true,
        () => false,
      );
      return Promise.race([answer, late]).finally(() => clearTimeout(timer));
    },
    handshake: () => bridge.handshake(),
    async login(login) {
      await bridge.handshake(login);
      const code = await authorize(bridge, options.appId, login);
      if (options.mode !== "public") return code;
      const client = await tokenClient();
      return { ...code, tokens: await client.exchange(code.code, code.codeVerifier, code.redirectUri) };
    },
    async accessToken() {
      if (options.mode !== "public") throw new ChainlessError(ErrorCode.NotLoggedIn, "tokens are held only in public mode");
      return (await tokenClient()).accessToken();
    },
    logout: () => tokens?.logout(),
    sendSponsored: (call) => sendSponsored(bridge, provider, call),
    on: (type, listener) => events.on(type, listener),
    track: (name, props) => analytics.track(name, props),
    flush: () => analytics.flush(),
    close() {
      analytics.close();
      for (const stop of stops) stop();
      provider.close();
      tokens?.close();
      bridge.close();
      events.clear();
    },
  };
}

/** The page's own visibility and network changes, as host events. */
function pageEvents(events: Emitter<HostEvents>): Array<() => void> {
  if (typeof document === "undefined") return [];
  const visibility = (): void => events.emit("visibility", { visible: document.visibilityState !== "hidden" });
  const online = (): void => events.emit("network", { online: true });
  const offline = (): void => events.emit("network", { online: false });
  document.addEventListener("visibilitychange", visibility);
  window.addEventListener("online", online);
  window.addEventListener("offline", offline);
  return [
    () => document.removeEventListener("visibilitychange", visibility),
    () => window.removeEventListener("online", online),
    () => window.removeEventListener("offline", offline),
  ];
}
