import { describe, expect, it, vi } from "vitest";
import { getConfig, normalizeBaseUrl } from "@/lib/config";
import { DEFAULT_FLAGS, parseFlag, readFlags, tradingMode } from "@/lib/flags";

describe("parseFlag", () => {
  it.each(["true", "TRUE", " True ", "1", "yes", "on"])("reads %j as true", (value) => {
    expect(parseFlag(value, false)).toBe(true);
  });

  it.each(["false", "False", "0", "no", "off"])("reads %j as false", (value) => {
    expect(parseFlag(value, true)).toBe(false);
  });

  it.each([undefined, null, "", "maybe", "2"])("falls back for %j", (value) => {
    expect(parseFlag(value, true)).toBe(true);
    expect(parseFlag(value, false)).toBe(false);
  });
});

describe("readFlags and tradingMode", () => {
  it("uses safe defaults when nothing is configured", () => {
    expect(readFlags({})).toEqual(DEFAULT_FLAGS);
    expect(DEFAULT_FLAGS).toEqual({ aiAssistant: false, paperTrading: true, liveTrading: false });
    expect(tradingMode(readFlags({}))).toBe("paper");
  });

  it("reads each variable into its flag", () => {
    expect(
      readFlags({
        NEXT_PUBLIC_FEATURE_AI_ASSISTANT: "true",
        NEXT_PUBLIC_FEATURE_PAPER_TRADING: "false",
        NEXT_PUBLIC_FEATURE_LIVE_TRADING: "true",
      }),
    ).toEqual({ aiAssistant: true, paperTrading: false, liveTrading: true });
  });

  it("makes live trading win over paper trading", () => {
    expect(tradingMode({ aiAssistant: false, paperTrading: true, liveTrading: true })).toBe("live");
    expect(tradingMode({ aiAssistant: false, paperTrading: true, liveTrading: false })).toBe("paper");
    expect(tradingMode({ aiAssistant: true, paperTrading: false, liveTrading: false })).toBe("off");
  });
});

describe("getConfig", () => {
  it("reads the API URL and flags from the NEXT_PUBLIC_ variables", () => {
    vi.stubEnv("NEXT_PUBLIC_API_URL", "https://abc.execute-api.us-east-1.amazonaws.com/live/");
    vi.stubEnv("NEXT_PUBLIC_FEATURE_AI_ASSISTANT", "true");
    vi.stubEnv("NEXT_PUBLIC_FEATURE_PAPER_TRADING", "false");
    vi.stubEnv("NEXT_PUBLIC_FEATURE_LIVE_TRADING", "false");
    expect(getConfig()).toEqual({
      apiUrl: "https://abc.execute-api.us-east-1.amazonaws.com/live",
      flags: { aiAssistant: true, paperTrading: false, liveTrading: false },
    });
  });

  it("gives an empty API URL when the variable is missing", () => {
    vi.stubEnv("NEXT_PUBLIC_API_URL", undefined);
    expect(getConfig().apiUrl).toBe("");
  });

  it("normalizes base URLs", () => {
    expect(normalizeBaseUrl(undefined)).toBe("");
    expect(normalizeBaseUrl("  https://x.test/live/// ")).toBe("https://x.test/live");
  });
});
