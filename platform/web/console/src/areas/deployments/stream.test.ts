import { describe, expect, it, vi } from "vitest";
import type { DeploymentEvent, ProgressAction } from "./progress";
import { CLOSED, followDeployment, type Poll, type SourceLike } from "./stream";

class FakeSource implements SourceLike {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  closed = false;
  listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.closed = true;
    this.readyState = CLOSED;
  }
  emit(type: string, data: unknown) {
    for (const listener of this.listeners.get(type) ?? []) listener({ data: JSON.stringify(data) } as MessageEvent<string>);
  }
}

const ev = (id: number, stage = "source", status = "started"): DeploymentEvent => ({ id, at: "", stage, status, message: "", data: {} });

function setup(after = 0, poll: (after: number) => Promise<Poll> = () => Promise.reject(new Error("no poll"))) {
  const actions: ProgressAction[] = [];
  const sources: FakeSource[] = [];
  const timers: (() => void)[] = [];
  const stop = followDeployment({
    url: (from) => `/events?after=${from}`,
    after,
    dispatch: (action) => actions.push(action),
    poll,
    open: (url) => {
      const source = new FakeSource(url);
      sources.push(source);
      return source;
    },
    setTimer: (run) => timers.push(run),
    clearTimer: () => undefined,
  });
  return { actions, sources, timers, stop };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("followDeployment", () => {
  it("opens the stream after the last event shown, passes events on and closes on the outcome", () => {
    const { actions, sources } = setup(7);
    const source = sources[0]!;
    expect(source.url).toBe("/events?after=7");
    source.onopen?.(new Event("open"));
    source.emit("deployment.event", ev(7)); // already shown
    source.emit("deployment.event", ev(8));
    source.emit("deployment.finished", { id: "d", status: "succeeded", error_code: null, error_detail: null });
    expect(actions).toEqual([
      { type: "connection", connection: "connecting" },
      { type: "connection", connection: "live" },
      { type: "event", event: ev(8) },
      { type: "finished", outcome: { id: "d", status: "succeeded", error_code: null, error_detail: null } },
    ]);
    expect(source.closed).toBe(true);
  });

  it("lets the browser reconnect by itself (Last-Event-ID) while it is only connecting again", () => {
    const { actions, sources } = setup();
    sources[0]!.readyState = 0;
    sources[0]!.onerror?.(new Event("error"));
    expect(actions.at(-1)).toEqual({ type: "connection", connection: "reconnecting" });
    expect(sources).toHaveLength(1);
    expect(sources[0]!.closed).toBe(false);
  });

  it("falls back to polling after the last id when the stream is refused, until the end", async () => {
    const poll = vi
      .fn<(after: number) => Promise<Poll>>()
      .mockResolvedValueOnce({ events: [ev(3), ev(4)], outcome: { status: "running", error_code: null, error_detail: null } })
      .mockResolvedValueOnce({ events: [ev(5, "deployment", "succeeded")], outcome: { status: "succeeded", error_code: null, error_detail: null } });
    const { actions, sources, timers } = setup(2, poll);
    sources[0]!.readyState = CLOSED;
    sources[0]!.onerror?.(new Event("error"));
    await flush();
    expect(poll).toHaveBeenLastCalledWith(2);
    expect(timers).toHaveLength(1);
    timers[0]!();
    await flush();
    expect(poll).toHaveBeenLastCalledWith(4);
    expect(actions.filter((a) => a.type === "event").map((a) => (a.type === "event" ? a.event.id : 0))).toEqual([3, 4, 5]);
    expect(actions.at(-1)).toEqual({ type: "finished", outcome: { status: "succeeded", error_code: null, error_detail: null } });
    expect(timers).toHaveLength(1);
  });

  it("stops polling for good when the deployment is gone", async () => {
    const lost = vi.fn();
    const actions: ProgressAction[] = [];
    const timers: (() => void)[] = [];
    followDeployment({
      url: () => "/events",
      after: 0,
      dispatch: (a) => actions.push(a),
      poll: () => Promise.reject({ problem: { status: 404 } }),
      onLost: lost,
      open: () => {
        throw new Error("no EventSource");
      },
      setTimer: (run) => timers.push(run),
      clearTimer: () => undefined,
    });
    await flush();
    expect(lost).toHaveBeenCalledOnce();
    expect(timers).toHaveLength(0);
  });

  it("stop() closes the stream and nothing more is passed on", () => {
    const { actions, sources, stop } = setup();
    stop();
    sources[0]!.emit("deployment.event", ev(1));
    expect(sources[0]!.closed).toBe(true);
    expect(actions.filter((a) => a.type === "event")).toHaveLength(0);
  });
});
