import { describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../src/errors.js";
import { createFetch } from "../src/net.js";
import { createStorage } from "../src/storage.js";

describe("storage", () => {
  it("keeps each app's keys apart", async () => {
    localStorage.clear();
    const a = createStorage("app_a");
    const b = createStorage("app_b");
    await a.set("cart", { items: [1, 2] });
    await b.set("cart", "other");
    expect(await a.get("cart")).toEqual({ items: [1, 2] });
    expect(await b.get("cart")).toBe("other");
    expect(await a.keys()).toEqual(["cart"]);
    await a.clear();
    expect(await a.get("cart")).toBeUndefined();
    expect(await b.get("cart")).toBe("other");
  });

  it("refuses to pass the app's limit with a clear error", async () => {
    localStorage.clear();
    const store = createStorage("app_a", { limitBytes: 1_000 });
    await store.set("small", "x".repeat(100));
    await expect(store.set("big", "x".repeat(1_000))).rejects.toMatchObject({
      code: ErrorCode.StorageQuota,
      data: { limit: 1_000 },
    });
    await store.set("small", "y".repeat(200)); // replacing counts the new size, not both
    expect((await store.usage()).used).toBeLessThanOrEqual(1_000);
    await expect(store.set("", 1)).rejects.toMatchObject({ code: ErrorCode.InvalidParams });
  });
});

describe("fetch helper", () => {
  it("sends the access token to the app's own origins only", async () => {
    const seen: Array<[string, string | null]> = [];
    const fake = vi.fn(async (url: string, init?: RequestInit) => {
      seen.push([url, new Headers(init?.headers).get("Authorization")]);
      return new Response("{}");
    });
    const appFetch = createFetch({
      credentialOrigins: ["https://api.app.test"],
      accessToken: async () => "at_1",
      fetch: fake as unknown as typeof fetch,
    });
    await appFetch("https://api.app.test/me");
    await appFetch("https://cdn.third-party.test/lib.js");
    expect(seen).toEqual([
      ["https://api.app.test/me", "Bearer at_1"],
      ["https://cdn.third-party.test/lib.js", null],
    ]);
  });

  it("times out with a typed error", async () => {
    const hanging = (_: string, init?: RequestInit) =>
      new Promise<Response>((_, reject) => init!.signal!.addEventListener("abort", () => reject(new Error("aborted"))));
    const appFetch = createFetch({ accessToken: async () => undefined, fetch: hanging as typeof fetch, timeout: 20 });
    await expect(appFetch("https://api.app.test/slow")).rejects.toMatchObject({ code: ErrorCode.Timeout });
  });
});
