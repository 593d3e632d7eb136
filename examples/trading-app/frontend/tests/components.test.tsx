import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { AiAssistantPanel, isAiCredential } from "@/components/AiAssistantPanel";
import { isActive, Nav } from "@/components/Nav";
import { TradingModeBadge } from "@/components/TradingMode";

const navigation = vi.hoisted(() => ({ pathname: "/" }));
vi.mock("next/navigation", () => ({ usePathname: () => navigation.pathname }));

describe("Nav", () => {
  it("links every page and marks the current one", () => {
    navigation.pathname = "/strategies";
    render(<Nav />);
    const links = screen.getAllByRole("link");
    expect(links.map((a) => [a.textContent, a.getAttribute("href")])).toEqual([
      ["Dashboard", "/"],
      ["Strategies", "/strategies"],
      ["Risk profile", "/risk-profile"],
      ["Audit log", "/audit"],
    ]);
    expect(screen.getByRole("link", { name: "Strategies" }).getAttribute("aria-current")).toBe("page");
    expect(screen.getByRole("link", { name: "Dashboard" }).getAttribute("aria-current")).toBeNull();
  });

  it.each([
    ["/", "/", true],
    ["/index.html", "/", true],
    ["/strategies", "/", false],
    ["/strategies.html", "/strategies", true],
    ["/strategies/", "/strategies", true],
    ["/strategies-old", "/strategies", false],
    [null, "/", true],
  ])("isActive(%j, %j) is %j", (pathname, href, expected) => {
    expect(isActive(pathname, href)).toBe(expected);
  });
});

describe("TradingModeBadge", () => {
  it("shows LIVE TRADING only when live trading is on", () => {
    const { unmount } = render(<TradingModeBadge flags={{ aiAssistant: false, paperTrading: true, liveTrading: true }} />);
    expect(screen.getByText("LIVE TRADING")).toBeTruthy();
    unmount();
    render(<TradingModeBadge flags={{ aiAssistant: false, paperTrading: true, liveTrading: false }} />);
    expect(screen.queryByText("LIVE TRADING")).toBeNull();
    expect(screen.getByText("Paper trading")).toBeTruthy();
  });

  it("says trading is off when neither mode is on", () => {
    render(<TradingModeBadge flags={{ aiAssistant: false, paperTrading: false, liveTrading: false }} />);
    expect(screen.getByText("Trading off")).toBeTruthy();
  });
});

describe("AiAssistantPanel", () => {
  it("recognises AI credential names", () => {
    expect(["ai/openai", "openai", "anthropic", "ai-bedrock"].every(isAiCredential)).toBe(true);
    expect(["binance", "kraken", "coinbase", "mail"].some(isAiCredential)).toBe(false);
  });

  it("says when the AI credentials cannot be read", () => {
    render(<AiAssistantPanel credentials={[{ name: "ai/openai", readable: false }, { name: "binance", readable: true }]} />);
    expect(screen.getByText("credentials unreadable")).toBeTruthy();
  });

  it("says when the API reports no AI credential", () => {
    render(<AiAssistantPanel credentials={[{ name: "binance", readable: true }]} />);
    expect(screen.getByText("The API reports no AI provider credential.")).toBeTruthy();
  });
});
