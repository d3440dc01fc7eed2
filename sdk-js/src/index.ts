/**
 * `@chainless/sdk`: the SDK a Chainless mini-program uses inside the wallet's webview.
 * Start with {@link createChainless}; the wire protocol is docs/wallet-bridge.md.
 * @packageDocumentation
 */
export { createChainless, IS_IN_WALLET_TIMEOUT_MS } from "./client.js";
export type { Chainless, ChainlessOptions, LoginResult } from "./client.js";
export { ChainlessError, ErrorCode } from "./errors.js";
export { Bridge, DEFAULT_TIMEOUT_MS, DEFAULT_INTERACTION_TIMEOUT_MS, SDK_VERSION } from "./bridge.js";
export type { HostInfo, CallOptions, DropCounts } from "./bridge.js";
export { PROTOCOL_VERSION, MAX_MESSAGE_CHARS, Method } from "./protocol.js";
export type { DropReason, JsonRpcId, JsonRpcRequest, JsonRpcResponse, JsonRpcNotification, JsonRpcErrorObject } from "./protocol.js";
export { iframeTransport, injectedTransport, detectTransport } from "./transport.js";
export type { Transport, PostTarget, IframeTransportOptions, InjectedTransportOptions, InjectedChannel } from "./transport.js";
export { createPkce, createState, s256Challenge } from "./pkce.js";
export type { Pkce } from "./pkce.js";
export type { LoginOptions, AuthorizationCode, Scope } from "./login.js";
export { TokenClient, REFRESH_MARGIN_MS } from "./tokens.js";
export type { TokenSet, TokenClientOptions } from "./tokens.js";
export { webLock, pageLock, defaultLock } from "./lock.js";
export type { ExclusiveLock, LockManagerLike } from "./lock.js";
export { ChainlessProvider, announceProvider, PROVIDER_INFO, PROVIDER_RDNS } from "./provider.js";
export type { RequestArguments, ProviderInfo, ProviderEvent } from "./provider.js";
export { forwardRequestTypedData, FORWARD_REQUEST_TYPES, FORWARDER_NAME, FORWARDER_VERSION } from "./sponsored.js";
export type { ForwardRequest, SponsoredRequest, SponsoredCall } from "./sponsored.js";
export { createStorage } from "./storage.js";
export type { AppStorage, StorageOptions } from "./storage.js";
export { createFetch } from "./net.js";
export type { AppFetch, FetchOptions } from "./net.js";
export { Emitter } from "./events.js";
export type { HostEvents, Listener } from "./events.js";
export { Analytics, httpSink, MAX_BATCH, FLUSH_INTERVAL_MS } from "./analytics.js";
export type { AnalyticsEvent, AnalyticsSink } from "./analytics.js";
