import { describe, expect, it } from "vitest";
import { en, zhCN } from "./messages";
import {
  changedFields,
  gweiToWei,
  lines,
  mayEdit,
  parseAbi,
  scopeChoices,
  supportedScopes,
  tagList,
  weiToEther,
  weiToGwei,
  wording,
  type AppOut,
} from "./logic";

const app = {
  name: "Greeter",
  category: "other",
  tags: ["a"],
  description: "",
  icon_url: "",
  domains: [],
  redirect_uris: ["https://g.example/cb"],
  requested_scopes: ["basic:address"],
  developer_id: "dev-1",
} as unknown as AppOut;

describe("settings logic", () => {
  it("sends only the fields that changed", () => {
    const body = changedFields(app, {
      name: "Greeter 2",
      category: "other",
      tags: ["a"],
      description: "",
      icon_url: "",
      domains: [],
      redirect_uris: ["https://g.example/cb"],
      requested_scopes: ["basic:address", "assets:balance"],
    });
    expect(body).toEqual({ name: "Greeter 2", requested_scopes: ["basic:address", "assets:balance"] });
  });

  it("reads lines and tags as typed", () => {
    expect(lines(" a \n\n b\n")).toEqual(["a", "b"]);
    expect(tagList("Game, nft  defi,")).toEqual(["game", "nft", "defi"]);
  });

  it("puts pydantic's sentences in the console's words", () => {
    expect(wording("string_too_short", "String should have at least 1 character")).toEqual({ key: "required" });
    expect(wording("string_too_long", "String should have at most 64 characters")).toEqual({ key: "tooLong", max: 64 });
    expect(wording("value_error", "anything")).toBeNull();
  });

  it("converts the gas budget between gwei and wei without floating point", () => {
    expect(gweiToWei("5000000")).toBe("5000000000000000");
    expect(gweiToWei("1.5")).toBeNull();
    expect(gweiToWei("-1")).toBeNull();
    expect(weiToGwei("123000000000")).toBe("123");
    expect(weiToEther("1500000000000000000")).toBe("1.5");
    expect(weiToEther("0")).toBe("0");
    expect(weiToEther("not a number")).toBe("0");
  });

  it("parses the ABI a person pasted", () => {
    expect(parseAbi("")).toEqual({ abi: [] });
    expect(parseAbi("{")).toEqual({ error: "abiJson" });
    expect(parseAbi("{}")).toEqual({ error: "abiList" });
  });

  it("lets only the developer edit", () => {
    expect(mayEdit(app, "dev-1")).toBe(true);
    expect(mayEdit(app, "someone")).toBe(false);
    expect(mayEdit(app, undefined)).toBe(false);
  });

  it("offers the server's scopes and keeps the app's own", () => {
    const listed = supportedScopes({ scopes_supported: ["basic:address", "assets:balance", 3] });
    expect(listed).toEqual(["basic:address", "assets:balance"]);
    expect(supportedScopes({})).toBeNull();
    expect(scopeChoices(listed, ["old:scope"])).toEqual(["basic:address", "assets:balance", "old:scope"]);
  });

  it("has every string in Chinese too, none left in English", () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    const same = Object.keys(en).filter((k) => zhCN[k as keyof typeof en] === en[k as keyof typeof en]);
    expect(same).toEqual([]);
  });
});
