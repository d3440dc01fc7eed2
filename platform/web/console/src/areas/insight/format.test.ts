import { describe, expect, it } from "vitest";
import { translate } from "../../i18n";
import {
  apiQuery,
  auditSearchErrors,
  formatAge,
  levelKey,
  niceCeiling,
  queryOf,
  searchFromQuery,
} from "./format";

const t = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) =>
  translate("en", key, params);

describe("formatAge", () => {
  const now = "2026-12-04T12:00:00Z";
  it("names the two largest units", () => {
    expect(formatAge("2026-12-04T11:59:30Z", now, t)).toBe("under a minute");
    expect(formatAge("2026-12-04T11:48:00Z", now, t)).toBe("12 min");
    expect(formatAge("2026-12-04T09:15:00Z", now, t)).toBe("2 h 45 min");
    expect(formatAge("2026-12-01T08:00:00Z", now, t)).toBe("3 d 4 h");
  });
  it("never goes negative when the clocks differ a little", () => {
    expect(formatAge("2026-12-04T12:00:05Z", now, t)).toBe("under a minute");
  });
});

describe("the audit search in the address", () => {
  it("reads and writes the same query, leaving out what is empty", () => {
    const search = searchFromQuery({ action: " app.delisted ", app: "app_1", cursor: "42" });
    expect(search).toEqual({ actor: "", action: "app.delisted", app: "app_1", since: "", until: "", cursor: "42" });
    expect(queryOf(search)).toBe("action=app.delisted&app=app_1&cursor=42");
  });
  it("drops a cursor that is not a number", () => {
    expect(searchFromQuery({ cursor: "x1" }).cursor).toBe("");
  });
  it("sends times as UTC with their offset", () => {
    const query = apiQuery(searchFromQuery({ since: "2026-12-04T10:00", until: "2026-12-04T11:30" }));
    expect(query).toMatchObject({ since: "2026-12-04T10:00:00.000Z", until: "2026-12-04T11:30:00.000Z", limit: 25 });
  });
  it("refuses an end before its start and a star inside the action", () => {
    const bad = searchFromQuery({ since: "2026-12-04T10:00", until: "2026-12-04T09:00", action: "app*.x" });
    expect(auditSearchErrors(bad)).toEqual({ until: "audit.untilBeforeSince", action: "audit.actionStar" });
    expect(auditSearchErrors(searchFromQuery({ since: "2026-12-04T10:00", until: "2026-12-04T10:00" })).until).toBe(
      "audit.untilBeforeSince",
    );
    expect(auditSearchErrors(searchFromQuery({ action: "app.*", since: "2026-12-04T10:00" }))).toEqual({});
  });
});

describe("chart and levels", () => {
  it("rounds an axis up to 1, 2 or 5 times a power of ten", () => {
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(3)).toBe(5);
    expect(niceCeiling(14)).toBe(20);
    expect(niceCeiling(100)).toBe(100);
    expect(niceCeiling(501)).toBe(1000);
  });
  it("names the spec's levels", () => {
    expect([75, 85, 95, 50].map(levelKey)).toEqual(["alerts.level.75", "alerts.level.85", "alerts.level.95", null]);
  });
});
