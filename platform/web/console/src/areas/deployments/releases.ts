/**
 * What the releases page decides before it asks the API (docs/deployer.md, "Current, canary,
 * promotion, rollback"): which versions are newer than the live one (only those can be a canary
 * or promoted), which are older (a rollback goes to one of those), and whether a canary share is
 * a whole number from 1 to 100. The API has the last word (a lower share than the running
 * canary's is its `canary_percent_decrease`).
 */
import type { components } from "../../api/schema";

export type Channel = components["schemas"]["ChannelOut"];
export type Release = components["schemas"]["ReleaseOut"];
export type ReleaseEvent = components["schemas"]["ReleaseEventOut"];
export const ENVIRONMENTS = ["dev", "test", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export function isEnvironment(value: unknown): value is Environment {
  return typeof value === "string" && (ENVIRONMENTS as readonly string[]).includes(value);
}

interface Semver {
  core: number[];
  pre: string[];
}

function parse(version: string): Semver {
  const [main = "", pre] = version.split("+")[0]!.split(/-(.*)/s, 2);
  return { core: main.split(".").map((n) => Number(n) || 0), pre: pre ? pre.split(".") : [] };
}

/** Semver 2.0 precedence (§11): negative when `a` comes before `b`. */
export function compareVersions(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.core[i] ?? 0) - (y.core[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre.length === 0 || y.pre.length === 0) return y.pre.length - x.pre.length;
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i]!;
    const q = y.pre[i]!;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) - Number(q);
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return x.pre.length - y.pre.length;
}

/** Versions that may be a canary or promoted: newer than the live one (all, when none is live). */
export function newerThanCurrent(channel: Channel): Release[] {
  return channel.releases.filter(
    (r) => r.status !== "current" && (channel.current === null || compareVersions(r.version, channel.current) > 0),
  );
}

/** Versions a rollback may go to: older than the live one, newest first. */
export function rollbackTargets(channel: Channel): Release[] {
  if (channel.current === null) return [];
  const current = channel.current;
  return channel.releases
    .filter((r) => compareVersions(r.version, current) < 0)
    .sort((a, b) => compareVersions(b.version, a.version));
}

/** The share typed in, or why it cannot be sent ("" when it is fine). */
export function checkPercent(raw: string): { percent: number | null; problem: "" | "required" | "range" } {
  const text = raw.trim();
  if (text === "") return { percent: null, problem: "required" };
  if (!/^\d+$/.test(text)) return { percent: null, problem: "range" };
  const percent = Number(text);
  if (percent < 1 || percent > 100) return { percent: null, problem: "range" };
  return { percent, problem: "" };
}
