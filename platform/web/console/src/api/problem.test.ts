import { describe, expect, it } from "vitest";
import { translate } from "../i18n";
import { fieldErrors, problemMessage, type Problem } from "./problem";

const t = (key: Parameters<typeof translate>[1], params?: Record<string, string | number>) => translate("en", key, params);

describe("fieldErrors", () => {
  it("maps a validation error's locations to their body fields, first message per field", () => {
    const problem: Problem = {
      status: 422,
      code: "validation_error",
      detail: "name: String should have at least 1 character",
      errors: [
        { location: ["body", "name"], message: "String should have at least 1 character" },
        { location: ["body", "name"], message: "second" },
        { location: ["body", "tags", 0], message: "String should match pattern" },
        { location: ["header", "x"], message: "ignored" },
      ],
    };
    expect(fieldErrors(problem)).toEqual({
      name: "String should have at least 1 character",
      tags: "String should match pattern",
    });
  });

  it("puts a coded rule's detail next to its field", () => {
    const problem: Problem = {
      status: 422,
      code: "invalid_redirect_uri",
      detail: "redirect URI 'http://evil.example': must use https",
      redirect_uri: "http://evil.example",
    };
    expect(fieldErrors(problem)).toEqual({ redirect_uris: "redirect URI 'http://evil.example': must use https" });
  });

  it("prefers the problem's own field member", () => {
    expect(fieldErrors({ status: 422, code: "anything", field: "icon_url", detail: "too long" })).toEqual({ icon_url: "too long" });
  });

  it("finds no field in a problem about the whole request", () => {
    expect(fieldErrors({ status: 409, code: "app_limit_reached", detail: "at most 20 apps" })).toEqual({});
  });
});

describe("problemMessage", () => {
  it("says the detail and the stable code, never the JSON", () => {
    expect(problemMessage({ status: 409, code: "app_limit_reached", detail: "at most 20 apps" }, t)).toBe(
      "at most 20 apps (code app_limit_reached)",
    );
  });
  it("points to the fields when there are field errors", () => {
    expect(problemMessage({ status: 422, code: "weak_password", detail: "too short" }, t)).toBe("Some fields need attention.");
  });
  it("has its own words for sign-in failures", () => {
    expect(problemMessage({ status: 401, code: "invalid_credentials", detail: "x" }, t)).toBe("The email or password is not right.");
  });
  it("does not show a server error's detail", () => {
    expect(problemMessage({ status: 502, title: "Bad Gateway" }, t)).toBe(
      "Something went wrong on the platform (HTTP 502). Try again later.",
    );
  });
});
