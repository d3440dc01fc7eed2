import { describe, expect, it } from "vitest";
import { formatWei, percentOf, policyBody, shortHex, tone } from "./format";

describe("formatWei", () => {
  it("shows ether to six decimals", () => {
    expect(formatWei("1500000000000000000")).toBe("1.5 ETH");
    expect(formatWei("123456789012345678")).toBe("0.123456 ETH");
    expect(formatWei("0")).toBe("0 ETH");
  });
  it("shows small amounts in gwei or wei", () => {
    expect(formatWei("21000000000000")).toBe("0.000021 ETH");
    expect(formatWei("2500000000")).toBe("2.5 gwei");
    expect(formatWei("42")).toBe("42 wei");
  });
  it("keeps amounts beyond a JS number exact", () => {
    expect(formatWei("115792089237316195423570985008687907853269984665640564039457584007913129639935")).toMatch(
      /^115792089237316195423570985008687907853269984665640564039457\.58400\d ETH$/,
    );
  });
  it("says nothing for a missing or odd value", () => {
    expect(formatWei(null)).toBe("—");
    expect(formatWei("-1")).toBe("—");
  });
});

describe("percentOf", () => {
  it("is a share of the whole, kept within 0–100", () => {
    expect(percentOf("25", "100")).toBe(25);
    expect(percentOf("300", "100")).toBe(100);
    expect(percentOf("5", "0")).toBe(0);
    expect(percentOf("1", "3")).toBe(33);
  });
});

describe("policyBody", () => {
  it("sends whole counts as numbers and amounts as text", () => {
    const values: Record<string, string> = { max_gas_limit: " 500000 ", max_value_wei: "10", app_daily_tx_limit: "many" };
    const body = policyBody((name) => values[name] ?? "");
    expect(body.max_gas_limit).toBe(500000);
    expect(body.max_value_wei).toBe("10");
    expect(body.app_daily_tx_limit).toBe("many");
  });
});

describe("shortHex and tone", () => {
  it("shortens long hex and names the badge tone", () => {
    expect(shortHex("0x" + "ab".repeat(32))).toBe("0xabab…abab");
    expect(shortHex("0x12")).toBe("0x12");
    expect(tone("confirmed")).toBe("ok");
    expect(tone("abandoned")).toBe("bad");
    expect(tone("retrying")).toBe("wait");
    expect(tone("received")).toBe("info");
  });
});
