// EIP-6963: the info the provider announces is what wallet pickers (wagmi, mipd, RainbowKit)
// show and key on: a UUIDv4 per page, the name, a square data-URI icon, a reverse-DNS id.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createChainless } from "../src/client.js";
import { PROVIDER_INFO, PROVIDER_RDNS, uuidV4 } from "../src/provider.js";
import { FakeHost } from "./host.js";

interface Announced {
  info: { uuid: string; name: string; icon: string; rdns: string };
  provider: unknown;
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function announcements(): { found: Announced[]; stop: () => void } {
  const found: Announced[] = [];
  const listener = (event: Event): void => void found.push((event as CustomEvent<Announced>).detail);
  window.addEventListener("eip6963:announceProvider", listener);
  return { found, stop: () => window.removeEventListener("eip6963:announceProvider", listener) };
}

describe("EIP-6963 provider info", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("announces a UUIDv4 that stays the same for the page and differs between pages", () => {
    const { found, stop } = announcements();
    const one = createChainless({ appId: "app_1", transport: new FakeHost().transport });
    window.dispatchEvent(new Event("eip6963:requestProvider"));
    const other = createChainless({ appId: "app_1", transport: new FakeHost().transport });
    stop();
    const [first, again, second] = found;
    expect(first!.info.uuid).toMatch(UUID_V4);
    expect(again!.info.uuid).toBe(first!.info.uuid);
    expect(again!.provider).toBe(one.provider);
    expect(second!.info.uuid).toMatch(UUID_V4);
    expect(second!.info.uuid).not.toBe(first!.info.uuid);
    one.close();
    other.close();
  });

  it("names Chainless with its documented reverse-DNS id", () => {
    expect(PROVIDER_INFO.name).toBe("Chainless");
    expect(PROVIDER_INFO.rdns).toBe(PROVIDER_RDNS);
    expect(PROVIDER_RDNS).toBe("com.chainless.wallet"); // docs/wallet-bridge.md, "EIP-6963"
    // reverse DNS: labels of a domain, top-level first, no scheme, port or path
    expect(PROVIDER_RDNS).toMatch(/^[a-z]{2,63}(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/);
  });

  it("has an icon that is an RFC 2397 data URI of a square SVG of at least 96 px", () => {
    const { icon } = PROVIDER_INFO;
    expect(icon.startsWith("data:image/svg+xml,")).toBe(true);
    const svg = new DOMParser().parseFromString(decodeURIComponent(icon.slice(icon.indexOf(",") + 1)), "image/svg+xml");
    expect(svg.getElementsByTagName("parsererror")).toHaveLength(0);
    const root = svg.documentElement;
    expect(root.tagName).toBe("svg");
    expect(root.getAttribute("xmlns")).toBe("http://www.w3.org/2000/svg");
    const [, , width, height] = root.getAttribute("viewBox")!.split(" ").map(Number);
    expect(width).toBe(height);
    expect(Number(root.getAttribute("width"))).toBeGreaterThanOrEqual(96);
    expect(root.getAttribute("width")).toBe(root.getAttribute("height"));
  });

  it("lets a wallet of another brand announce its own name, icon and rdns", () => {
    const { found, stop } = announcements();
    const sdk = createChainless({
      appId: "app_1",
      transport: new FakeHost().transport,
      providerInfo: { name: "Acme Wallet", rdns: "com.acme.wallet" },
    });
    stop();
    expect(found[0]!.info).toMatchObject({ name: "Acme Wallet", rdns: "com.acme.wallet", icon: PROVIDER_INFO.icon });
    sdk.close();
  });

  it("makes a UUIDv4 without crypto.randomUUID (an insecure context has none)", () => {
    const real = globalThis.crypto;
    vi.stubGlobal("crypto", { getRandomValues: (b: Uint8Array) => real.getRandomValues(b) });
    const made = new Set(Array.from({ length: 50 }, () => uuidV4()));
    vi.unstubAllGlobals();
    expect(made.size).toBe(50);
    for (const uuid of made) expect(uuid).toMatch(UUID_V4);
  });
});
