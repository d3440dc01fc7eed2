import { afterEach, describe, expect, it, vi } from "vitest";
import { ErrorCode } from "../src/errors.js";
import { webLock } from "../src/lock.js";
import { REFRESH_MARGIN_MS, TokenClient, type TokenSet } from "../src/tokens.js";

const ISSUER = "https://open.chainless.test";

/** The Web Locks API as one browser offers it to all its tabs: exclusive, first come first served. */
class BrowserLocks {
  private tails = new Map<string, Promise<unknown>>();
  request<T>(name: string, _options: { mode: "exclusive" }, task: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(name) ?? Promise.resolve()).then(task, task);
    this.tails.set(name, run.catch(() => undefined));
    return run;
  }
}

/** A token endpoint that rotates refresh tokens and, like the platform, revokes on reuse. */
function tokenServer() {
  let serial = 1;
  const live = new Set(["clr_1"]);
  const used: string[] = [];
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    if (url.endsWith("/.well-known/oauth-authorization-server")) {
      return Response.json({ issuer: ISSUER, token_endpoint: `${ISSUER}/oauth/token` });
    }
    const form = init!.body as URLSearchParams;
    const presented = form.get("refresh_token")!;
    used.push(presented);
    if (!live.has(presented)) {
      live.clear(); // reuse: the whole family is revoked
      return Response.json({ error: "invalid_grant", error_description: "refresh token reused" }, { status: 400 });
    }
    live.delete(presented);
    const next = `clr_${++serial}`;
    live.add(next);
    return Response.json({ access_token: `at_${serial}`, refresh_token: next, expires_in: 900, token_type: "Bearer" });
  });
  return { fetch, used, live };
}

const channels: BroadcastChannel[] = [];
function tab(fetch: typeof globalThis.fetch, locks: BrowserLocks): TokenClient {
  const channel = new BroadcastChannel(`chainless-tokens:test-${channelName}`);
  channels.push(channel);
  return new TokenClient({ issuer: ISSUER, clientId: "app_1", fetch, lock: webLock(locks), channel });
}
let channelName = 0;

function dueTokens(): TokenSet {
  return { accessToken: "at_1", refreshToken: "clr_1", expiresAt: Date.now() + 60_000, scope: "", tokenType: "Bearer" };
}

afterEach(() => {
  channelName++;
  vi.useRealTimers();
});

describe("refresh in one tab only", () => {
  it("two tabs due at once present the refresh token once and end with the same new tokens", async () => {
    const server = tokenServer();
    const locks = new BrowserLocks();
    const a = tab(server.fetch as typeof fetch, locks);
    const b = tab(server.fetch as typeof fetch, locks);
    // both tabs hold the same tokens (b got them from a over the channel)
    (a as unknown as { set(t: TokenSet, broadcast: boolean): void }).set(dueTokens(), true);
    await vi.waitFor(() => expect(b.current?.refreshToken).toBe("clr_1"));

    const [ta, tb] = await Promise.all([a.accessToken(), b.accessToken()]);
    expect(server.used).toEqual(["clr_1"]);
    expect(ta).toBe("at_2");
    expect(tb).toBe("at_2");
    expect(server.live).toEqual(new Set(["clr_2"]));
    a.close();
    b.close();
  });

  it("a tab opened later gets the tokens the open tab holds, without a refresh", async () => {
    const server = tokenServer();
    const locks = new BrowserLocks();
    const a = tab(server.fetch as typeof fetch, locks);
    const fresh = { ...dueTokens(), expiresAt: Date.now() + 15 * 60_000 };
    (a as unknown as { set(t: TokenSet, broadcast: boolean): void }).set(fresh, true);
    const b = tab(server.fetch as typeof fetch, locks);
    await expect(b.accessToken()).resolves.toBe("at_1");
    expect(server.used).toEqual([]);
    a.logout();
    await vi.waitFor(() => expect(b.current).toBeNull());
    a.close();
    b.close();
  });

  it("without the lock the same race revokes the family (what the lock prevents)", async () => {
    const server = tokenServer();
    const a = new TokenClient({ issuer: ISSUER, clientId: "app_1", fetch: server.fetch as typeof fetch, channel: null });
    const b = new TokenClient({ issuer: ISSUER, clientId: "app_1", fetch: server.fetch as typeof fetch, channel: null });
    for (const t of [a, b]) (t as unknown as { set(t: TokenSet, broadcast: boolean): void }).set(dueTokens(), false);
    const results = await Promise.allSettled([a.accessToken(), b.accessToken()]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(server.live.size).toBe(0);
    a.close();
    b.close();
  });

  it("refreshes by itself five minutes before expiry", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const server = tokenServer();
    const client = new TokenClient({ issuer: ISSUER, clientId: "app_1", fetch: server.fetch as typeof fetch, channel: null });
    const tokens = { ...dueTokens(), expiresAt: Date.now() + 15 * 60_000 };
    (client as unknown as { set(t: TokenSet, broadcast: boolean): void }).set(tokens, false);
    await vi.advanceTimersByTimeAsync(15 * 60_000 - REFRESH_MARGIN_MS - 1);
    expect(server.used).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await vi.waitFor(() => expect(client.current?.accessToken).toBe("at_2"));
    expect(server.used).toEqual(["clr_1"]);
    client.close();
  });

  it("a revoked family logs the tab out with a typed error", async () => {
    const server = tokenServer();
    server.live.clear();
    const client = new TokenClient({ issuer: ISSUER, clientId: "app_1", fetch: server.fetch as typeof fetch, channel: null });
    (client as unknown as { set(t: TokenSet, broadcast: boolean): void }).set(dueTokens(), false);
    await expect(client.accessToken()).rejects.toMatchObject({ code: ErrorCode.TokenError, data: { error: "invalid_grant" } });
    expect(client.current).toBeNull();
    await expect(client.accessToken()).rejects.toMatchObject({ code: ErrorCode.NotLoggedIn });
    client.close();
  });
});

afterEach(() => {
  for (const channel of channels.splice(0)) channel.close();
});
