import { afterEach, describe, expect, it, vi } from "vitest";
import { Analytics, FLUSH_INTERVAL_MS, MAX_BATCH, httpSink, type AnalyticsEvent, type AnalyticsSink } from "../src/analytics.js";

function recordingSink() {
  const batches: Array<{ events: AnalyticsEvent[]; unloading: boolean }> = [];
  const sink: AnalyticsSink = { send: (events, { unloading }) => void batches.push({ events, unloading }) };
  return { sink, batches };
}

function hidePage(): void {
  Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}

afterEach(() => {
  Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("batching", () => {
  it("sends 50 events in one batch as soon as there are 50", () => {
    const { sink, batches } = recordingSink();
    const analytics = new Analytics(sink);
    for (let i = 0; i < MAX_BATCH - 1; i++) analytics.track("tap", { i });
    expect(batches).toEqual([]);
    analytics.track("tap", { i: 49 });
    expect(batches).toHaveLength(1);
    expect(batches[0]!.events).toHaveLength(50);
    expect(batches[0]!.unloading).toBe(false);
    analytics.close();
  });

  it("sends a smaller batch after 5 s", async () => {
    vi.useFakeTimers();
    const { sink, batches } = recordingSink();
    const analytics = new Analytics(sink);
    analytics.track("open", { from: "home" });
    analytics.track("tap");
    vi.advanceTimersByTime(FLUSH_INTERVAL_MS - 1);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(batches.map((b) => b.events.map((e) => e.name))).toEqual([["open", "tap"]]);
    expect(batches[0]!.events[0]!.props).toEqual({ from: "home" });
    analytics.close();
  });
});

describe("flush when the page hides", () => {
  it("flushes what is queued through the unloading path", () => {
    const { sink, batches } = recordingSink();
    const analytics = new Analytics(sink);
    analytics.track("scroll");
    hidePage();
    expect(batches).toEqual([{ events: [expect.objectContaining({ name: "scroll" })], unloading: true }]);
    analytics.close();
  });

  it("the HTTP sink uses sendBeacon on hide and fetch keepalive otherwise", () => {
    const beacon = vi.fn(() => true);
    vi.stubGlobal("navigator", { ...navigator, sendBeacon: beacon });
    const fetchMock = vi.fn(async () => new Response(null, { status: 204 }));
    vi.stubGlobal("fetch", fetchMock);
    const analytics = new Analytics(httpSink("https://open.chainless.test/api/v1/analytics/events", "app_1"));
    for (let i = 0; i < MAX_BATCH; i++) analytics.track("tap");
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(init.keepalive).toBe(true);
    expect(JSON.parse(init.body as string)).toMatchObject({ app_id: "app_1", events: expect.any(Array) });
    analytics.track("leave");
    hidePage();
    expect(beacon).toHaveBeenCalledTimes(1);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    analytics.close();
  });
});
