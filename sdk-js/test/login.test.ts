import { describe, expect, it, vi } from "vitest";
import { createChainless } from "../src/client.js";
import { ChainlessError, ErrorCode } from "../src/errors.js";
import { base64url, createPkce, createState, s256Challenge } from "../src/pkce.js";
import { FakeHost } from "./host.js";

describe("PKCE (RFC 7636)", () => {
  it("matches the Appendix B vector", async () => {
    const verifierBytes = new Uint8Array([
      116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240,
      91, 88, 5, 88, 83, 132, 141, 121,
    ]);
    const verifier = base64url(verifierBytes);
    expect(verifier).toBe("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    expect(await s256Challenge(verifier)).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("makes 43-character unreserved verifiers and distinct states", async () => {
    const pkce = await createPkce();
    expect(pkce.verifier).toMatch(/^[A-Za-z0-9\-._~]{43}$/);
    expect(pkce.method).toBe("S256");
    expect(pkce.challenge).toBe(await s256Challenge(pkce.verifier));
    expect(createState()).not.toBe(createState());
  });
});

type Authorize = Record<string, unknown> & { state: string; code_challenge: string; scope: string };

function hostAnswering(answer: (params: Authorize) => Record<string, unknown>): FakeHost {
  const host = new FakeHost();
  host.handlers.set("chainless_authorize", (params) => answer(params as Authorize));
  return host;
}

async function rejection(promise: Promise<unknown>): Promise<ChainlessError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ChainlessError);
  return error as ChainlessError;
}

describe("login (confidential client)", () => {
  it("sends S256 PKCE and state, and returns the code with its verifier for the backend", async () => {
    let sent: Authorize | undefined;
    const host = hostAnswering((params) => {
      sent = params;
      return { code: "code-1", state: params.state };
    });
    const sdk = createChainless({ appId: "app_1", transport: host.transport, announce: false });
    const result = await sdk.login({ scopes: ["basic:address"], redirectUri: "https://app.test/cb" });
    expect(sent).toMatchObject({
      response_type: "code",
      client_id: "app_1",
      redirect_uri: "https://app.test/cb",
      scope: "basic:address",
      code_challenge_method: "S256",
      extended_scopes: [],
    });
    expect(result).toMatchObject({ code: "code-1", redirectUri: "https://app.test/cb", scopes: ["basic:address"] });
    expect(await s256Challenge(result.codeVerifier)).toBe(sent!.code_challenge);
    expect(result.tokens).toBeUndefined();
    sdk.close();
  });

  it("refuses an answer whose state is not the one sent", async () => {
    const host = hostAnswering(() => ({ code: "stolen", state: "someone-elses-state" }));
    const sdk = createChainless({ appId: "app_1", transport: host.transport, announce: false });
    const error = await rejection(sdk.login({ scopes: ["basic:address"] }));
    expect(error.code).toBe(ErrorCode.StateMismatch);
    sdk.close();
  });

  it("a user who declines gets 4001", async () => {
    const host = hostAnswering((p) => ({ error: "access_denied", state: p.state }));
    const sdk = createChainless({ appId: "app_1", transport: host.transport, announce: false });
    expect((await rejection(sdk.login({ scopes: ["basic:address"] }))).code).toBe(ErrorCode.UserRejected);
    sdk.close();
  });

  it("extended scopes are asked for separately and need the second confirmation", async () => {
    const host = hostAnswering((p) => ({ code: "c", state: p.state, scope: p.scope }));
    const sdk = createChainless({ appId: "app_1", transport: host.transport, announce: false });
    const error = await rejection(sdk.login({ scopes: ["basic:address", "extended:email"] }));
    expect(error.code).toBe(ErrorCode.ExtendedNotConfirmed);
    expect((host.received.at(-1)!.message.params as Authorize).extended_scopes).toEqual(["extended:email"]);

    host.handlers.set("chainless_authorize", (p) => ({
      code: "c",
      state: (p as Authorize).state,
      scope: (p as Authorize).scope,
      extended_confirmed: true,
    }));
    await expect(sdk.login({ scopes: ["basic:address", "extended:email"] })).resolves.toMatchObject({
      scopes: ["basic:address", "extended:email"],
    });
    // declined the extended part only: the basic grant stands, with the narrower scope
    host.handlers.set("chainless_authorize", (p) => ({ code: "c", state: (p as Authorize).state, scope: "basic:address" }));
    await expect(sdk.login({ scopes: ["basic:address", "extended:email"] })).resolves.toMatchObject({
      scopes: ["basic:address"],
    });
    sdk.close();
  });
});

describe("login (public client)", () => {
  it("exchanges the code itself with client_id and the verifier, no secret", async () => {
    const host = hostAnswering((p) => ({ code: "code-9", state: p.state }));
    const posts: URLSearchParams[] = [];
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (url.endsWith("/.well-known/oauth-authorization-server")) {
        return Response.json({ issuer: "https://open.chainless.test", token_endpoint: "https://open.chainless.test/oauth/token" });
      }
      posts.push(init!.body as URLSearchParams);
      expect(new Headers(init!.headers).has("Authorization")).toBe(false);
      return Response.json({ access_token: "at-1", refresh_token: "clr_1", expires_in: 900, scope: "basic:address", token_type: "Bearer" });
    });
    vi.stubGlobal("fetch", fetchMock);
    const sdk = createChainless({ appId: "app_1", transport: host.transport, announce: false, mode: "public" });
    const result = await sdk.login({ scopes: ["basic:address"], redirectUri: "https://app.test/cb" });
    expect(result.tokens).toMatchObject({ accessToken: "at-1", refreshToken: "clr_1" });
    expect(Object.fromEntries(posts[0]!)).toEqual({
      grant_type: "authorization_code",
      code: "code-9",
      redirect_uri: "https://app.test/cb",
      code_verifier: result.codeVerifier,
      client_id: "app_1",
    });
    await expect(sdk.accessToken()).resolves.toBe("at-1");
    sdk.close();
    vi.unstubAllGlobals();
  });
});
