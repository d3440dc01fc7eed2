import { describe, expect, it } from "vitest";
import { en } from "./en";
import { initialLocale, translate } from "./index";
import { zhCN } from "./zh-CN";

describe("translate", () => {
  it("fills placeholders", () => {
    expect(translate("en", "apps.created", { name: "Greeter" })).toBe("Greeter is created.");
    expect(translate("zh-CN", "apps.created", { name: "Greeter" })).toBe("Greeter 已创建。");
  });
  it("leaves an unknown placeholder visible rather than blank", () => {
    expect(translate("en", "apps.created")).toBe("{name} is created.");
  });
  it("falls back to English for a key the Chinese table lacks", () => {
    const missing = (Object.keys(en) as (keyof typeof en)[]).find((key) => !(key in zhCN));
    const key = missing ?? "app.title";
    const original = zhCN[key];
    delete zhCN[key];
    try {
      expect(translate("zh-CN", key)).toBe(en[key]);
    } finally {
      if (original !== undefined) zhCN[key] = original;
    }
  });
  it("has every English key in Chinese", () => {
    expect(Object.keys(en).filter((key) => !(key in zhCN))).toEqual([]);
  });
});

describe("initialLocale", () => {
  it("is English unless the person chose otherwise", () => {
    expect(initialLocale(undefined)).toBe("en");
    expect(initialLocale({ getItem: () => null })).toBe("en");
    expect(initialLocale({ getItem: () => "fr" })).toBe("en");
    expect(initialLocale({ getItem: () => "zh-CN" })).toBe("zh-CN");
  });
});
