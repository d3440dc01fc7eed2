import { describe, expect, it } from "vitest";
import { auditOf, bySeverity, productionState, where } from "./audit";
import { checkPercent, compareVersions, newerThanCurrent, rollbackTargets, type Channel } from "./releases";

const finding = (impact: string, check = "c", lines = [3, 4]) => ({ check, impact, confidence: "Medium", description: "d", file: "contracts/A.sol", lines });

describe("audit", () => {
  it("reads artifacts.audit and groups findings by severity, most severe first", () => {
    const audit = auditOf({ audit: { tool: "slither 0.11", rating: "D", cached: false, blocking: 1, override: null, findings: [finding("Low"), finding("High", "reentrancy-eth"), finding("Low")] } });
    expect(audit?.rating).toBe("D");
    expect(bySeverity(audit!.findings).map((g) => [g.impact, g.findings.length])).toEqual([["High", 1], ["Low", 2]]);
    expect(productionState(audit!)).toBe("blocked");
    expect(where(audit!.findings[0]!)).toBe("contracts/A.sol:3–4");
  });

  it("is null before the audit ran; an override lets production through", () => {
    expect(auditOf(null)).toBeNull();
    expect(auditOf({ compile: {} })).toBeNull();
    const audit = auditOf({ audit: { rating: "E", blocking: 2, findings: [], override: { by: "op", reason: "false positive", at: "t" } } });
    expect(productionState(audit!)).toBe("overridden");
    expect(productionState({ ...audit!, blocking: 0 })).toBe("allowed");
  });
});

describe("releases", () => {
  it("compares versions by semver precedence", () => {
    expect(compareVersions("1.10.0", "1.9.0")).toBeGreaterThan(0);
    expect(compareVersions("1.0.0-rc.1", "1.0.0")).toBeLessThan(0);
    expect(compareVersions("1.0.0-rc.2", "1.0.0-rc.10")).toBeLessThan(0);
    expect(compareVersions("1.0.0-alpha", "1.0.0-1")).toBeGreaterThan(0);
    expect(compareVersions("2.0.0", "2.0.0")).toBe(0);
  });

  it("newer versions may be a canary, older ones are rollback targets", () => {
    const release = (version: string, status: "current" | "canary" | "published") => ({ version, status, deployment_id: "", commit_sha: "", bundle_hash: "", site_url: null, manifest_url: "", created_by: "", created_at: "" });
    const channel: Channel = { app_id: "a", environment: "dev", current: "1.1.0", canary: "1.2.0", canary_percent: 10, releases: [release("1.2.0", "canary"), release("1.1.0", "current"), release("1.0.0", "published"), release("0.9.0", "published")] };
    expect(newerThanCurrent(channel).map((r) => r.version)).toEqual(["1.2.0"]);
    expect(rollbackTargets(channel).map((r) => r.version)).toEqual(["1.0.0", "0.9.0"]);
    expect(rollbackTargets({ ...channel, current: null })).toEqual([]);
  });

  it("a canary share is a whole number from 1 to 100", () => {
    expect(checkPercent(" 10 ")).toEqual({ percent: 10, problem: "" });
    expect(checkPercent("")).toEqual({ percent: null, problem: "required" });
    expect(checkPercent("0").problem).toBe("range");
    expect(checkPercent("101").problem).toBe("range");
    expect(checkPercent("2.5").problem).toBe("range");
  });
});
