/**
 * The two channels a Chainless host offers (docs/wallet-bridge.md, "Channels"):
 *
 * - **iframe**: the app runs in an iframe of the host page; requests go to `window.parent` with
 *   the host's exact origin as `targetOrigin` (never `"*"`), answers are accepted only from that
 *   window and that origin.
 * - **injected**: a native webview injects `window.ReactNativeWebView.postMessage(string)`; the
 *   host answers by dispatching `message` events on `window` (JSON strings) from the page itself.
 *
 * Everything else that arrives on `message` is ignored and counted as `origin`.
 */

import { ChainlessError, ErrorCode } from "./errors.js";

export interface Transport {
  readonly kind: "iframe" | "injected";
  send(message: object): void;
  /** Start delivering trusted messages to `onMessage`; returns the function that stops it. */
  listen(onMessage: (data: unknown) => void, onForeign: () => void): () => void;
}

export interface PostTarget {
  postMessage(message: unknown, targetOrigin: string): void;
}

export interface IframeTransportOptions {
  /** The host page's origin, e.g. `https://wallet.chainless.example`. */
  hostOrigin: string;
  /** Where requests go (default `window.parent`). */
  target?: PostTarget;
  /** The window answers must come from (default: `target`). */
  expectedSource?: unknown;
  /** Where answers arrive (default `window`). */
  listenOn?: Pick<Window, "addEventListener" | "removeEventListener">;
}

export function iframeTransport(options: IframeTransportOptions): Transport {
  const target = options.target ?? window.parent;
  const source = options.expectedSource ?? target;
  const events = options.listenOn ?? window;
  const hostOrigin = new URL(options.hostOrigin).origin;
  return {
    kind: "iframe",
    send: (message) => target.postMessage(message, hostOrigin),
    listen(onMessage, onForeign) {
      const handler = (event: Event): void => {
        const e = event as MessageEvent;
        if (e.origin !== hostOrigin || e.source !== source) onForeign();
        else onMessage(e.data);
      };
      events.addEventListener("message", handler);
      return () => events.removeEventListener("message", handler);
    },
  };
}

/** The native channel's shape (React Native WebView and compatible hosts). */
export interface InjectedChannel {
  postMessage(message: string): void;
}

export interface InjectedTransportOptions {
  channel?: InjectedChannel;
  listenOn?: Pick<Window, "addEventListener" | "removeEventListener">;
  /** The page's own origin (default `location.origin`): native answers carry it. */
  pageOrigin?: string;
}

export function injectedTransport(options: InjectedTransportOptions = {}): Transport {
  const channel = options.channel ?? injectedChannel();
  if (!channel) throw new Error("no injected channel on this page");
  const events = options.listenOn ?? window;
  const pageOrigin = options.pageOrigin ?? location.origin;
  return {
    kind: "injected",
    send: (message) => channel.postMessage(JSON.stringify(message)),
    listen(onMessage, onForeign) {
      const handler = (event: Event): void => {
        const e = event as MessageEvent;
        // injected script runs in the page: same origin (or "" on older webviews), no other frame
        const ownOrigin = e.origin === pageOrigin || e.origin === "";
        const ownWindow = e.source === null || e.source === window;
        if (!ownOrigin || !ownWindow || typeof e.data !== "string") onForeign();
        else onMessage(e.data);
      };
      events.addEventListener("message", handler);
      return () => events.removeEventListener("message", handler);
    },
  };
}

function injectedChannel(): InjectedChannel | undefined {
  if (typeof window === "undefined") return undefined;
  const candidate = (window as unknown as { ReactNativeWebView?: InjectedChannel }).ReactNativeWebView;
  return candidate && typeof candidate.postMessage === "function" ? candidate : undefined;
}

/**
 * The channel this page is in: the injected one when present, else the parent frame at
 * `hostOrigin` (default: the embedding page's origin from `location.ancestorOrigins` or
 * `document.referrer`), else none (a top-level page outside any wallet).
 */
export function detectTransport(hostOrigin?: string): Transport | undefined {
  if (typeof window === "undefined") return undefined;
  if (injectedChannel()) return injectedTransport();
  if (window.parent === window) return undefined;
  const origin = hostOrigin ?? embedderOrigin();
  return origin ? iframeTransport({ hostOrigin: origin }) : undefined;
}

function embedderOrigin(): string | undefined {
  const ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length > 0) return ancestors[0];
  try {
    return document.referrer ? new URL(document.referrer).origin : undefined;
  } catch {
    return undefined;
  }
}

/** The transport of a page outside any host: every call rejects at once with `NoHost`. */
export function noHost(): Transport {
  return {
    kind: "iframe",
    send() {
      throw new ChainlessError(ErrorCode.NoHost, "not running inside a Chainless wallet");
    },
    listen: () => () => undefined,
  };
}
