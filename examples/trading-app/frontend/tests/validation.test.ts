import { describe, expect, it } from "vitest";
import { parseNumber, validateProfileId, validateRiskProfile } from "@/lib/validation";

describe("parseNumber", () => {
  it.each([
    ["12", 12],
    [" 12.5 ", 12.5],
    [".5", 0.5],
    ["1e3", 1000],
    ["-3", -3],
    [7, 7],
  ])("reads %j as %j", (raw, expected) => {
    expect(parseNumber(raw)).toBe(expected);
  });

  it.each(["", "  ", "12abc", "1,5", "abc", "Infinity", "0x10"])("rejects %j", (raw) => {
    expect(parseNumber(raw)).toBeNull();
  });

  it("rejects non-finite numbers", () => {
    expect(parseNumber(Number.NaN)).toBeNull();
    expect(parseNumber(Number.POSITIVE_INFINITY)).toBeNull();
  });
});

describe("validateRiskProfile", () => {
  it("accepts a valid profile and returns numbers", () => {
    expect(validateRiskProfile({ maxPositionSize: "1000", maxDailyLoss: "50.5", maxLeverage: "3" })).toEqual({
      ok: true,
      value: { maxPositionSize: 1000, maxDailyLoss: 50.5, maxLeverage: 3 },
    });
  });

  it("accepts the leverage bounds 1 and 100", () => {
    expect(validateRiskProfile({ maxPositionSize: 1, maxDailyLoss: 1, maxLeverage: 1 }).ok).toBe(true);
    expect(validateRiskProfile({ maxPositionSize: 1, maxDailyLoss: 1, maxLeverage: "100" }).ok).toBe(true);
  });

  it("requires position size and daily loss greater than 0", () => {
    const result = validateRiskProfile({ maxPositionSize: "0", maxDailyLoss: "-1", maxLeverage: "2" });
    expect(result).toEqual({
      ok: false,
      errors: {
        maxPositionSize: "Max position size must be greater than 0.",
        maxDailyLoss: "Max daily loss must be greater than 0.",
      },
    });
  });

  it.each(["0.99", "0", "100.01", "1000"])("rejects leverage %s", (maxLeverage) => {
    const result = validateRiskProfile({ maxPositionSize: "1", maxDailyLoss: "1", maxLeverage });
    expect(result).toEqual({ ok: false, errors: { maxLeverage: "Max leverage must be between 1 and 100." } });
  });

  it("reports every field that is not a number", () => {
    const result = validateRiskProfile({ maxPositionSize: "", maxDailyLoss: "ten", maxLeverage: " " });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors).toEqual({
        maxPositionSize: "Max position size must be a number.",
        maxDailyLoss: "Max daily loss must be a number.",
        maxLeverage: "Max leverage must be a number.",
      });
    }
  });
});

describe("validateProfileId", () => {
  it.each(["default", "team-a", "desk_1.eu:2", "a".repeat(128)])("accepts %s", (id) => {
    expect(validateProfileId(id)).toBeNull();
  });

  it.each(["", " ", "-starts-with-dash", "has space", "a/b", "a".repeat(129)])("rejects %j", (id) => {
    expect(validateProfileId(id)).not.toBeNull();
  });
});
