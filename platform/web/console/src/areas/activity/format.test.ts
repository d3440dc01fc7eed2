import { describe, expect, it } from "vitest";
import { translate } from "../../i18n";
import { actorLabel, changeRows, dayRange, deviceOf, levelOf } from "./format";

const t = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate("en", key, params);

describe("actorLabel", () => {
  it("says You for the signed-in account", () => {
    expect(actorLabel({ actor_type: "account", actor_id: "abc", actor_role: "developer" }, "abc", t)).toBe("You");
  });
  it("names staff by role only", () => {
    expect(actorLabel({ actor_type: "account", actor_id: null, actor_role: "platform_operator" }, "abc", t)).toBe(
      "Platform staff (operator)",
    );
  });
  it("names the platform and other accounts with a short id", () => {
    expect(actorLabel({ actor_type: "system", actor_id: "oauth", actor_role: "system" }, "x", t)).toBe("The platform (oauth)");
    expect(
      actorLabel({ actor_type: "account", actor_id: "0123456789abcdef0123", actor_role: "app_operator" }, "x", t),
    ).toBe("App operator 01234567…");
  });
});

describe("levelOf", () => {
  it("follows the spec's thresholds", () => {
    expect([50, 75, 84, 85, 95, 100].map(levelOf)).toEqual(["info", "warning", "warning", "severe", "urgent", "urgent"]);
  });
});

describe("dayRange", () => {
  it("makes the last day inclusive", () => {
    const range = dayRange("2026-12-01", "2026-12-01");
    expect(range).not.toBeNull();
    const since = new Date(range!.since!);
    const until = new Date(range!.until!);
    expect(until.getTime() - since.getTime()).toBeGreaterThanOrEqual(23 * 3600_000);
    expect(since.getDate()).toBe(1);
    expect(until.getDate()).toBe(2);
  });
  it("leaves out an empty side and refuses a start after the end", () => {
    expect(dayRange("", "")).toEqual({});
    expect(Object.keys(dayRange("2026-12-01", "")!)).toEqual(["since"]);
    expect(dayRange("2026-12-03", "2026-12-01")).toBeNull();
    expect(dayRange("not a day", "")).toEqual({});
  });
});

describe("deviceOf", () => {
  it("reads browser and system", () => {
    expect(
      deviceOf("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
    ).toBe("Chrome · Linux");
    expect(
      deviceOf("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"),
    ).toBe("Safari · iOS");
    expect(deviceOf("curl/8.5.0")).toBe("curl");
    expect(deviceOf(null)).toBeNull();
    expect(deviceOf("x".repeat(60))).toHaveLength(41);
  });
});

describe("changeRows", () => {
  it("splits [old, new] pairs and shows other values as they are", () => {
    expect(changeRows({ name: ["A", "B"], roles: [null, ["developer"]], note: "x" })).toEqual([
      { field: "name", before: "A", after: "B" },
      { field: "roles", before: "—", after: '["developer"]' },
      { field: "note", after: "x" },
    ]);
  });
});
