import { describe, expect, it } from "vitest";
import {
  boundedLog,
  failureOf,
  initialProgress,
  logsOf,
  progressReducer,
  stageRows,
  type DeploymentDetail,
  type DeploymentEvent,
  type ProgressAction,
  type ProgressState,
} from "./progress";

const STAGES = ["source", "compile", "audit", "contracts", "frontend", "release"];
let next = 0;
const ev = (stage: string, status: string, data: Record<string, unknown> = {}, message = ""): DeploymentEvent => ({
  id: ++next,
  at: "2026-12-04T20:00:00Z",
  stage,
  status,
  message,
  data,
});

function detail(events: DeploymentEvent[], over: Partial<DeploymentDetail> = {}): DeploymentDetail {
  return {
    id: "d1",
    app_id: "a1",
    environment: "dev",
    repo_url: "https://github.com/dev/greeter",
    ref: "main",
    commit_sha: null,
    trigger: "request",
    requested_by: "u1",
    status: "queued",
    stage: null,
    rollout: "immediate",
    error_code: null,
    error_detail: null,
    created_at: "2026-12-04T20:00:00Z",
    started_at: null,
    finished_at: null,
    manifest: null,
    artifacts: null,
    events,
    stages: STAGES,
    ...over,
  };
}

const run = (actions: ProgressAction[], from: ProgressState = initialProgress) => actions.reduce(progressReducer, from);

describe("progressReducer", () => {
  it("keeps each event once, in id order, whether from the detail, the stream or a resume", () => {
    const queued = ev("queue", "queued");
    const started = ev("source", "started");
    const done = ev("source", "succeeded");
    const state = run([
      { type: "loaded", detail: detail([queued, started]) },
      { type: "event", event: started }, // the stream repeats what the detail had
      { type: "event", event: done },
      { type: "event", event: done }, // and a reconnect resends nothing new
    ]);
    expect(state.events.map((e) => e.id)).toEqual([queued.id, started.id, done.id]);
    expect(state.lastId).toBe(done.id);
    expect(state.status).toBe("running");
    expect(state.stage).toBe("source");
  });

  it("ends with the finished outcome and ignores connection changes after it", () => {
    const state = run([
      { type: "loaded", detail: detail([ev("queue", "queued")]) },
      { type: "connection", connection: "live" },
      { type: "finished", outcome: { status: "failed", error_code: "build_failed", error_detail: "step 'npm ci' failed" } },
      { type: "connection", connection: "reconnecting" },
    ]);
    expect(state.status).toBe("failed");
    expect(state.errorCode).toBe("build_failed");
    expect(state.connection).toBe("ended");
  });

  it("a finished deployment's detail ends the connection at once", () => {
    const state = run([{ type: "loaded", detail: detail([ev("deployment", "succeeded")], { status: "succeeded" }) }]);
    expect(state.connection).toBe("ended");
  });

  it("a final event marks the deployment finished before the outcome frame", () => {
    const state = run([{ type: "loaded", detail: detail([]) }, { type: "event", event: ev("deployment", "cancelled") }]);
    expect(state.status).toBe("cancelled");
  });
});

describe("stageRows", () => {
  it("shows each stage by its last event, the rest pending while it runs", () => {
    const state = run([
      { type: "loaded", detail: detail([ev("source", "started"), ev("source", "succeeded", {}, "fetched abc\nmore")]) },
      { type: "event", event: ev("compile", "started") },
      { type: "event", event: ev("compile", "retrying", { attempt: 1 }) },
    ]);
    const rows = stageRows(state);
    expect(rows.map((r) => [r.name, r.status])).toEqual([
      ["source", "succeeded"],
      ["compile", "running"],
      ["audit", "pending"],
      ["contracts", "pending"],
      ["frontend", "pending"],
      ["release", "pending"],
    ]);
    expect(rows[0]!.message).toBe("fetched abc");
  });

  it("after a failure the stages that did not run are skipped", () => {
    const state = run([
      { type: "loaded", detail: detail([ev("source", "started"), ev("source", "failed", { code: "readme_missing" })]) },
      { type: "finished", outcome: { status: "failed", error_code: "readme_missing", error_detail: "no README" } },
    ]);
    expect(stageRows(state).map((r) => r.status)).toEqual(["failed", "skipped", "skipped", "skipped", "skipped", "skipped"]);
  });
});

describe("failureOf", () => {
  it("names the stage, the code, the detail and the log tail", () => {
    const state = run([
      { type: "loaded", detail: detail([ev("frontend", "started"), ev("frontend", "failed", { code: "build_failed", log_tail: "npm ERR!" }, "step failed")]) },
      { type: "finished", outcome: { status: "failed", error_code: "build_failed", error_detail: "step 'npm run build' failed" } },
    ]);
    expect(failureOf(state)).toEqual({ stage: "frontend", code: "build_failed", detail: "step 'npm run build' failed", logTail: "npm ERR!" });
  });

  it("is null while running or after success", () => {
    expect(failureOf(run([{ type: "loaded", detail: detail([]) }]))).toBeNull();
  });
});

describe("logsOf and boundedLog", () => {
  it("lists each step log once with its stage", () => {
    const logs = logsOf([
      ev("frontend", "failed", { logs: [{ name: "01-npm-ci.log", bytes: 10 }, { name: "02-npm-run-build.log", bytes: 5 }] }),
      ev("frontend", "succeeded", { logs: [{ name: "01-npm-ci.log", bytes: 12 }, { nope: 1 }] }),
      ev("source", "succeeded", { logs: "not a list" }),
    ]);
    expect(logs).toEqual([
      { name: "01-npm-ci.log", bytes: 12, stage: "frontend" },
      { name: "02-npm-run-build.log", bytes: 5, stage: "frontend" },
    ]);
  });

  it("keeps the end of a long log from a line start", () => {
    expect(boundedLog("short")).toEqual({ text: "short", cut: false });
    expect(boundedLog("aaaa\nbbbb\ncccc", 7)).toEqual({ text: "cccc", cut: true });
  });
});
