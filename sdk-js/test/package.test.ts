import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SDK_VERSION } from "../src/bridge.js";

describe("the package", () => {
  it("announces the version it is published as", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect(SDK_VERSION).toBe(pkg.version);
  });
});
