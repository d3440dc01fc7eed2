/**
 * Follows a deployment's progress on its Server-Sent Events stream
 * (`GET .../deployments/{id}/events`, docs/deployer.md): `deployment.event` frames carry their id,
 * so when the connection drops the browser's `EventSource` reconnects by itself and sends
 * `Last-Event-ID`: the server resumes after it, nothing is missed or repeated. The stream ends
 * with `deployment.finished`; the follower closes it then (else `EventSource` would reconnect).
 * When the stream cannot be had at all (refused, `too_many_streams`, a proxy that buffers), it
 * falls back to polling the deployment with `?after=<last id>`, as the classic page did.
 * `EventSource` on the same origin sends the session cookie; nothing else is needed.
 */
import {
  FINISHED,
  type Connection,
  type DeploymentEvent,
  type Outcome,
  type ProgressAction,
} from "./progress";

/** The part of `EventSource` the follower uses (a fake one in the tests). */
export interface SourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  onopen: ((event: Event) => void) | null;
  onerror: ((event: Event) => void) | null;
  close(): void;
}

export const CLOSED = 2;

export interface Poll {
  events: DeploymentEvent[];
  outcome: Outcome;
}

export interface FollowOptions {
  /** the stream's address, resuming after `after` */
  url: (after: number) => string;
  /** the last event id already shown */
  after: number;
  dispatch: (action: ProgressAction) => void;
  /** the deployment's events after `after` and its status (GET .../deployments/{id}?after=) */
  poll: (after: number) => Promise<Poll>;
  /** a poll that failed for good (the deployment is gone, the session ended) */
  onLost?: (error: unknown) => void;
  open?: (url: string) => SourceLike;
  pollMs?: number;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

function parse<T>(event: MessageEvent<string>): T | null {
  try {
    return JSON.parse(event.data) as T;
  } catch {
    return null;
  }
}

/** Starts following; the returned function stops (the page left, or another deployment opened). */
export function followDeployment(options: FollowOptions): () => void {
  const {
    dispatch,
    poll,
    pollMs = 2000,
    open = (url) => new EventSource(url) as unknown as SourceLike,
    setTimer = (run, ms) => setTimeout(run, ms),
    clearTimer = (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  } = options;
  let last = options.after;
  let stopped = false;
  let source: SourceLike | null = null;
  let timer: unknown = null;
  let failures = 0;
  const connection = (state: Connection) => dispatch({ type: "connection", connection: state });

  const stop = () => {
    stopped = true;
    source?.close();
    source = null;
    if (timer !== null) clearTimer(timer);
    timer = null;
  };
  const seen = (event: DeploymentEvent) => {
    if (stopped || event.id <= last) return;
    last = event.id;
    dispatch({ type: "event", event });
  };
  const finish = (outcome: Outcome) => {
    if (stopped) return;
    dispatch({ type: "finished", outcome });
    stop();
  };

  const pollOnce = async () => {
    timer = null;
    if (stopped) return;
    try {
      const answer = await poll(last);
      if (stopped) return;
      failures = 0;
      answer.events.forEach(seen);
      if (FINISHED.has(answer.outcome.status)) return finish(answer.outcome);
    } catch (error) {
      if (stopped) return;
      failures += 1;
      if (options.onLost && isPermanent(error)) {
        stop();
        options.onLost(error);
        return;
      }
    }
    // a network failure: keep looking, less often (up to 30 s)
    timer = setTimer(() => void pollOnce(), Math.min(pollMs * 2 ** failures, 30_000));
  };

  const fallBack = () => {
    source?.close();
    source = null;
    connection("polling");
    void pollOnce();
  };

  connection("connecting");
  try {
    source = open(options.url(last));
  } catch {
    fallBack();
    return stop;
  }
  source.onopen = () => connection("live");
  source.onerror = () => {
    if (stopped || !source) return;
    // CONNECTING: the browser reconnects with Last-Event-ID by itself; CLOSED: it gave up.
    if (source.readyState === CLOSED) fallBack();
    else connection("reconnecting");
  };
  source.addEventListener("deployment.event", (message) => {
    const event = parse<DeploymentEvent>(message);
    if (event) seen(event);
  });
  source.addEventListener("deployment.finished", (message) => {
    const outcome = parse<Outcome>(message);
    if (outcome) finish(outcome);
  });
  return stop;
}

/** A failure no retry mends: the deployment or the app is not there, or the session ended. */
function isPermanent(error: unknown): boolean {
  const status = (error as { problem?: { status?: unknown } } | null)?.problem?.status;
  return status === 401 || status === 403 || status === 404;
}
