import { describe, expect, it } from "vitest";
import { may, pageInfo, rolesWith } from "./access";

describe("operator permissions", () => {
  it("follows the platform's roles", () => {
    expect(rolesWith("review:decide")).toEqual(["platform_operator"]);
    expect(rolesWith("app:read:any")).toEqual(["platform_operator", "platform_devops"]);
    expect(may(["platform_devops"], "app:delist")).toBe(false);
    expect(may(["platform_devops", "platform_operator"], "app:delist")).toBe(true);
    expect(may(["platform_tech"], "app:read:any")).toBe(false);
    expect(may(["developer"], "qualification:review")).toBe(false);
  });
});

describe("pageInfo", () => {
  it("numbers the results of a page", () => {
    expect(pageInfo(0, 20, 20, 45)).toMatchObject({ from: 1, to: 20, hasPrev: false, hasNext: true, nextOffset: 20 });
    expect(pageInfo(40, 20, 5, 45)).toMatchObject({ from: 41, to: 45, hasPrev: true, hasNext: false, prevOffset: 20 });
    expect(pageInfo(0, 20, 0, 0)).toMatchObject({ from: 0, to: 0, hasPrev: false, hasNext: false });
  });
});
