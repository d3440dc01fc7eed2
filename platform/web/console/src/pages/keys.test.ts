import { describe, expect, it } from "vitest";
import { ageInDays, needsRotation } from "./keys";

const now = new Date("2026-12-03T12:00:00Z");
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
const key = (days: number, status: "active" | "expiring" | "expired" | "revoked" = "active", replaced: string | null = null) => ({
  created_at: daysAgo(days),
  status,
  replaced_by_id: replaced,
});

describe("needsRotation", () => {
  it("is quiet for a young active key", () => {
    expect(needsRotation(key(10), now)).toBe(false);
    expect(needsRotation(key(79), now)).toBe(false);
  });
  it("reminds from day 80 of the 90", () => {
    expect(needsRotation(key(80), now)).toBe(true);
    expect(ageInDays(key(80), now)).toBe(80);
  });
  it("reminds whenever the API marks the key expiring", () => {
    expect(needsRotation(key(5, "expiring"), now)).toBe(true);
  });
  it("never reminds for a revoked, expired or already rotated key", () => {
    expect(needsRotation(key(85, "revoked"), now)).toBe(false);
    expect(needsRotation(key(95, "expired"), now)).toBe(false);
    expect(needsRotation(key(85, "expiring", "k2"), now)).toBe(false);
  });
});
