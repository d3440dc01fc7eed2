/**
 * A deployment's live progress as one state and a reducer (docs/deployer.md, "Deployments over
 * HTTP"): the detail loaded once, then each `deployment.event` of the stream, then the
 * `deployment.finished` outcome. Events are kept once each, in id order, so a reconnect that
 * resumes from `Last-Event-ID` (or a poll with `?after=`) can never show one twice.
 */
import type { components } from "../../api/schema";

export type DeploymentEvent = components["schemas"]["DeploymentEventOut"];
export type DeploymentDetail = components["schemas"]["DeploymentDetailOut"];
export type DeploymentStatus = components["schemas"]["DeploymentOut"]["status"];

export const FINISHED: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled"]);

/** How the page hears about progress: `live` on the stream, `polling` when it fell back. */
export type Connection = "connecting" | "live" | "reconnecting" | "polling" | "ended";

export interface Outcome {
  status: string;
  error_code: string | null;
  error_detail: string | null;
}

export interface ProgressState {
  status: string;
  stage: string | null;
  errorCode: string | null;
  errorDetail: string | null;
  stages: string[];
  events: DeploymentEvent[];
  lastId: number;
  connection: Connection;
}

export type ProgressAction =
  | { type: "loaded"; detail: DeploymentDetail }
  | { type: "event"; event: DeploymentEvent }
  | { type: "finished"; outcome: Outcome }
  | { type: "connection"; connection: Connection };

export const initialProgress: ProgressState = {
  status: "queued",
  stage: null,
  errorCode: null,
  errorDetail: null,
  stages: [],
  events: [],
  lastId: 0,
  connection: "connecting",
};

/** Events not seen yet (id above the last one), appended in id order. */
function merge(known: DeploymentEvent[], lastId: number, incoming: DeploymentEvent[]) {
  const fresh = incoming.filter((e) => e.id > lastId).sort((a, b) => a.id - b.id);
  if (fresh.length === 0) return { events: known, lastId };
  return { events: [...known, ...fresh], lastId: fresh[fresh.length - 1]!.id };
}

/** What an event says about the deployment as a whole (the stream carries no status otherwise). */
function statusAfter(state: ProgressState, event: DeploymentEvent): string {
  if (FINISHED.has(state.status)) return state.status;
  if (event.stage === "deployment" && FINISHED.has(event.status)) return event.status;
  if (event.status === "failed") return "failed";
  if (event.stage !== "queue" && state.status === "queued") return "running";
  return state.status;
}

export function progressReducer(state: ProgressState, action: ProgressAction): ProgressState {
  switch (action.type) {
    case "loaded": {
      const { detail } = action;
      const merged = merge(state.events, state.lastId, detail.events);
      return {
        ...state,
        ...merged,
        status: FINISHED.has(state.status) ? state.status : detail.status,
        stage: detail.stage,
        errorCode: detail.error_code,
        errorDetail: detail.error_detail,
        stages: detail.stages ?? [],
        connection: FINISHED.has(detail.status) ? "ended" : state.connection,
      };
    }
    case "event": {
      const merged = merge(state.events, state.lastId, [action.event]);
      if (merged.events === state.events) return state;
      const stage = state.stages.includes(action.event.stage) ? action.event.stage : state.stage;
      return { ...state, ...merged, stage, status: statusAfter(state, action.event) };
    }
    case "finished":
      return {
        ...state,
        status: action.outcome.status,
        errorCode: action.outcome.error_code,
        errorDetail: action.outcome.error_detail,
        connection: "ended",
      };
    case "connection":
      return state.connection === "ended" ? state : { ...state, connection: action.connection };
  }
}

export type StageStatus = "pending" | "running" | "succeeded" | "failed" | "skipped";

export interface StageRow {
  name: string;
  status: StageStatus;
  message: string;
  at: string | null;
}

const RUNNING = new Set(["started", "progress", "retrying", "waiting"]);

/** Each stage of the pipeline with where it is: its last event decides. */
export function stageRows(state: ProgressState): StageRow[] {
  const last = new Map<string, DeploymentEvent>();
  for (const event of state.events) last.set(event.stage, event);
  const finished = FINISHED.has(state.status);
  return state.stages.map((name) => {
    const event = last.get(name);
    let status: StageStatus = "pending";
    if (event?.status === "succeeded") status = "succeeded";
    else if (event?.status === "failed") status = "failed";
    else if (event && RUNNING.has(event.status)) status = finished ? "skipped" : "running";
    else if (finished) status = "skipped";
    return { name, status, message: event?.message.split("\n")[0] ?? "", at: event?.at ?? null };
  });
}

export interface Failure {
  stage: string | null;
  code: string;
  detail: string;
  logTail: string;
}

/** Why a failed or cancelled deployment ended, with the log tail its event carries. */
export function failureOf(state: ProgressState): Failure | null {
  if (state.status !== "failed" && state.status !== "cancelled") return null;
  const event = [...state.events].reverse().find((e) => e.status === state.status);
  const data = (event?.data ?? {}) as Record<string, unknown>;
  const code = state.errorCode ?? (typeof data.code === "string" ? data.code : state.status);
  const tail = typeof data.log_tail === "string" ? data.log_tail : "";
  return {
    stage: event && event.stage !== "deployment" ? event.stage : null,
    code,
    detail: state.errorDetail ?? event?.message ?? "",
    logTail: tail,
  };
}

export interface LogRef {
  name: string;
  bytes: number;
  stage: string;
}

/** The build steps' logs the events name (`data.logs`), each once, in the order they appeared. */
export function logsOf(events: readonly DeploymentEvent[]): LogRef[] {
  const seen = new Map<string, LogRef>();
  for (const event of events) {
    const logs = (event.data as { logs?: unknown }).logs;
    if (!Array.isArray(logs)) continue;
    for (const item of logs) {
      if (item && typeof item === "object" && typeof (item as { name?: unknown }).name === "string") {
        const { name, bytes } = item as { name: string; bytes?: unknown };
        seen.set(name, { name, bytes: typeof bytes === "number" ? bytes : 0, stage: event.stage });
      }
    }
  }
  return [...seen.values()];
}

/** The end of a long log: at most `limit` characters, cut at a line start. */
export function boundedLog(text: string, limit = 200_000): { text: string; cut: boolean } {
  if (text.length <= limit) return { text, cut: false };
  const tail = text.slice(text.length - limit);
  const newline = tail.indexOf("\n");
  return { text: newline >= 0 ? tail.slice(newline + 1) : tail, cut: true };
}
