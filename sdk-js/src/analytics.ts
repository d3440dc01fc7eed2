/**
 * `track(name, props)`: events are batched (at most 50 or 5 s, whichever comes first) and sent
 * through one small {@link AnalyticsSink}. When the page is hidden or unloaded the queue is
 * flushed with `navigator.sendBeacon` (or `fetch({ keepalive: true })`), which the browser
 * finishes after the page is gone — the way posthog-js keeps the last events of a session.
 */

export const MAX_BATCH = 50;
export const FLUSH_INTERVAL_MS = 5_000;
/** Browsers cap keepalive/beacon bodies at 64 KiB in total; stay under it per request. */
const MAX_BEACON_CHARS = 60_000;

export interface AnalyticsEvent {
  name: string;
  props: Record<string, unknown>;
  /** Epoch milliseconds. */
  ts: number;
}

/** Where batches go; the platform's analytics endpoint plugs in here. */
export interface AnalyticsSink {
  send(events: AnalyticsEvent[], context: { unloading: boolean }): void | Promise<void>;
}

/** Posts `{app_id, events}` as JSON to `endpoint`. */
export function httpSink(endpoint: string, appId: string): AnalyticsSink {
  return {
    send(events, { unloading }) {
      for (const chunk of chunks(events)) {
        const body = JSON.stringify({ app_id: appId, events: chunk });
        const beacon = globalThis.navigator?.sendBeacon?.bind(globalThis.navigator);
        if (unloading && beacon && beacon(endpoint, new Blob([body], { type: "application/json" }))) continue;
        void fetch(endpoint, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body,
          keepalive: true,
        }).catch(() => undefined);
      }
    },
  };
}

function chunks(events: AnalyticsEvent[]): AnalyticsEvent[][] {
  const out: AnalyticsEvent[][] = [];
  let current: AnalyticsEvent[] = [];
  let size = 0;
  for (const event of events) {
    const length = JSON.stringify(event).length;
    if (current.length && size + length > MAX_BEACON_CHARS) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(event);
    size += length;
  }
  if (current.length) out.push(current);
  return out;
}

export class Analytics {
  private queue: AnalyticsEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly onHide = (): void => {
    if (document.visibilityState === "hidden") this.flush(true);
  };
  private readonly onPageHide = (): void => this.flush(true);

  constructor(
    private readonly sink: AnalyticsSink,
    private readonly now: () => number = Date.now,
  ) {
    if (typeof document !== "undefined") {
      document.addEventListener("visibilitychange", this.onHide);
      window.addEventListener("pagehide", this.onPageHide);
    }
  }

  track(name: string, props: Record<string, unknown> = {}): void {
    if (typeof name !== "string" || !name) return;
    this.queue.push({ name: name.slice(0, 128), props, ts: this.now() });
    if (this.queue.length >= MAX_BATCH) this.flush(false);
    else this.timer ??= setTimeout(() => this.flush(false), FLUSH_INTERVAL_MS);
  }

  /** Send what is queued now (`unloading` picks the beacon path). */
  flush(unloading = false): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        void Promise.resolve(this.sink.send(batch, { unloading })).catch(() => undefined);
      } catch {
        // analytics never breaks the app
      }
    }
  }

  close(): void {
    this.flush(true);
    if (typeof document !== "undefined") {
      document.removeEventListener("visibilitychange", this.onHide);
      window.removeEventListener("pagehide", this.onPageHide);
    }
  }
}

/** Until the platform's analytics endpoint exists: events are dropped. */
export const discardSink: AnalyticsSink = { send: () => undefined };
