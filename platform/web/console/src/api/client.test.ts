import { describe, expect, it } from "vitest";
import { signInUrl, safeNext, navFor } from "../nav";
import { ApiError, NetworkError, createApi, readCookie, unwrap } from "./client";

interface Seen { method: string; path: string; csrf: string | null }

function fakeFetch(status: number, body: unknown, seen: Seen[]): typeof fetch {
  return async (input: RequestInfo | URL) => {
    const request = input as Request;
    seen.push({ method: request.method, path: new URL(request.url).pathname, csrf: request.headers.get("X-CSRF-Token") });
    const type = status >= 400 ? "application/problem+json" : "application/json";
    return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { "Content-Type": type } });
  };
}

function api(status: number, body: unknown, seen: Seen[], onUnauthenticated = () => {}) {
  return createApi({ cookies: () => "other=1; chainless_csrf=tok%2Fen; x=y", onUnauthenticated }, fakeFetch(status, body, seen), "http://console.test");
}

describe("the session rules", () => {
  it("reads the CSRF cookie", () => {
    expect(readCookie("a=1; chainless_csrf=abc%3D; b=2", "chainless_csrf")).toBe("abc=");
    expect(readCookie("", "chainless_csrf")).toBe("");
  });

  it("sends the CSRF header on unsafe requests only", async () => {
    const seen: Seen[] = [];
    const client = api(200, { items: [], total: 0, limit: 20, offset: 0 }, seen);
    await unwrap(client.GET("/api/v1/apps"));
    await unwrap(client.POST("/api/v1/auth/logout"));
    expect(seen).toEqual([
      { method: "GET", path: "/api/v1/apps", csrf: null },
      { method: "POST", path: "/api/v1/auth/logout", csrf: "tok/en" },
    ]);
  });

  it("sends the person to sign in when a call answers 401", async () => {
    let ended = 0;
    const client = api(401, { status: 401, code: "session_expired", detail: "the session has expired" }, [], () => ended++);
    const error = await unwrap(client.GET("/api/v1/apps")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).problem.code).toBe("session_expired");
    expect(ended).toBe(1);
  });

  it("does not treat a failed sign-in as an ended session", async () => {
    let ended = 0;
    const client = api(401, { status: 401, code: "invalid_credentials", detail: "no" }, [], () => ended++);
    await unwrap(client.POST("/api/v1/auth/login", { body: { email: "a@b.c", password: "x" } })).catch(() => null);
    expect(ended).toBe(0);
  });

  it("turns a fetch that cannot reach the server into a NetworkError", async () => {
    const down: typeof fetch = async () => { throw new TypeError("Failed to fetch"); };
    const client = createApi({ cookies: () => "", onUnauthenticated: () => {} }, down, "http://console.test");
    await expect(unwrap(client.GET("/api/v1/apps"))).rejects.toBeInstanceOf(NetworkError);
  });

  it("keeps a non-problem error body out of the message", async () => {
    const client = api(502, "<html>bad gateway</html>", []);
    const error = (await unwrap(client.GET("/api/v1/apps")).catch((e: unknown) => e)) as ApiError;
    expect(error.problem.status).toBe(502);
    expect(JSON.stringify(error.problem)).not.toContain("<html>");
  });
});

describe("navigation", () => {
  it("comes back only to console pages", () => {
    expect(signInUrl("/console/apps/abc", true)).toBe("/console/sign-in?next=%2Fconsole%2Fapps%2Fabc&expired=1");
    expect(safeNext("https://evil.example/")).toBeUndefined();
    expect(safeNext("//evil.example/console/")).toBeUndefined();
    expect(safeNext("/console/sign-in")).toBeUndefined();
    expect(safeNext("/console/apps")).toBe("/console/apps");
  });
  it("shows each role its own items", () => {
    expect(navFor(["developer"]).map((i) => i.label)).toEqual(["nav.apps"]);
    expect(navFor(["platform_operator"]).map((i) => i.label)).toEqual(["nav.operator"]);
    expect(navFor(["user"])).toEqual([]);
  });
});
