import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { AuditView } from "@/app/audit/AuditView";
import { DashboardView } from "@/app/DashboardView";
import { RiskProfileView } from "@/app/risk-profile/RiskProfileView";
import { StrategiesView } from "@/app/strategies/StrategiesView";
import { API, fakeFetch, stubConfig } from "./helpers";

const HEALTH = {
  status: "ok",
  checks: { dynamodb: "ok", timestream: { ok: false, message: "throttled" } },
  credentials: { binance: "readable", "ai/openai": "readable", kraken: "empty" },
};

const TEMPLATES = [
  { id: "grid", name: "Grid", description: "Buys low, sells high in a band", parameters: { levels: 10, pair: "BTC/USDT" } },
  { id: "dca", name: "DCA", parameters: { amount: { default: 25 } } },
];

function dashboardRoutes() {
  return {
    "GET /health": { body: HEALTH },
    "GET /strategy-templates": { body: TEMPLATES },
    "GET /strategies": { body: { items: [{ id: "s-1", name: "One" }, { id: "s-2", name: "Two" }] } },
    "GET /audit-log": { body: [{ id: "a", action: "create", at: "2024-01-01T00:00:00Z" }] },
  };
}

describe("dashboard", () => {
  it("shows loading, then health checks, readable credentials and counts", async () => {
    stubConfig();
    const { calls } = fakeFetch(dashboardRoutes());
    render(<DashboardView />);
    expect(screen.getByText("Loading API health…")).toBeTruthy();

    const checks = await screen.findByRole("list", { name: "Health checks" });
    expect(within(checks).getByText("dynamodb").nextSibling?.textContent).toBe("ok");
    expect(within(checks).getByText("timestream").nextSibling?.textContent).toBe("throttled");
    const credentials = screen.getByRole("list", { name: "Credentials" });
    expect(within(credentials).getByText("binance").nextSibling?.textContent).toBe("readable");
    expect(within(credentials).getByText("kraken").nextSibling?.textContent).toBe("not readable");

    await waitFor(() => expect(screen.getByTestId("count-Strategies").textContent).toBe("2"));
    expect(screen.getByTestId("count-Strategy templates").textContent).toBe("2");
    expect(screen.getByTestId("count-Audit entries").textContent).toBe("1");
    expect(calls.map((c) => c.url).sort()).toEqual(
      [`${API}/audit-log`, `${API}/health`, `${API}/strategies`, `${API}/strategy-templates`].sort(),
    );
    expect(calls.every((c) => !("X-Run-Id" in c.headers))).toBe(true);
  });

  it("shows an error with a retry button when the API cannot be reached, and recovers", async () => {
    stubConfig();
    let down = true;
    fakeFetch({
      ...dashboardRoutes(),
      "GET /health": () => (down ? new TypeError("Failed to fetch") : { body: HEALTH }),
    });
    render(<DashboardView />);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain(`Could not load API health: Could not reach the API (GET ${API}/health): Failed to fetch`);
    down = false;
    fireEvent.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await screen.findByRole("list", { name: "Health checks" })).toBeTruthy();
  });

  it("says the API is not configured and requests nothing without an API URL", async () => {
    stubConfig({ api: "" });
    const { fn } = fakeFetch({});
    render(<DashboardView />);
    expect(screen.getByText("API not configured.")).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fn).not.toHaveBeenCalled();
  });

  it("shows the AI assistant panel only when the flag is on", async () => {
    stubConfig({ ai: "true" });
    fakeFetch(dashboardRoutes());
    render(<DashboardView />);
    const panel = screen.getByRole("region", { name: "AI assistant" });
    await waitFor(() => expect(within(panel).getByText("ready")).toBeTruthy());
    expect(panel.textContent).toContain("ai/openai");
  });

  it("says the AI assistant status is unknown when health cannot be loaded", async () => {
    stubConfig({ ai: "true" });
    fakeFetch({ ...dashboardRoutes(), "GET /health": { status: 503, body: { message: "not deployed yet" } } });
    render(<DashboardView />);
    const panel = screen.getByRole("region", { name: "AI assistant" });
    expect(within(panel).getByText("Waiting for the API health answer…")).toBeTruthy();
    expect(await within(panel).findByText(/Status unknown/)).toBeTruthy();
  });

  it("hides the AI assistant panel when the flag is off", async () => {
    stubConfig({ ai: "false" });
    fakeFetch(dashboardRoutes());
    render(<DashboardView />);
    await screen.findByRole("list", { name: "Health checks" });
    expect(screen.queryByRole("region", { name: "AI assistant" })).toBeNull();
  });

  it("notes paper trading, or warns of live trading", async () => {
    stubConfig({ paper: "true", live: "false" });
    fakeFetch(dashboardRoutes());
    const { unmount } = render(<DashboardView />);
    expect(screen.getByText(/Paper trading: strategies trade against simulated accounts/)).toBeTruthy();
    unmount();
    stubConfig({ paper: "true", live: "true" });
    render(<DashboardView />);
    expect(screen.getByText(/Live trading is on/)).toBeTruthy();
    await screen.findByRole("list", { name: "Health checks" });
  });
});

describe("strategies", () => {
  it("lists strategies and templates and creates a strategy from a template", async () => {
    stubConfig();
    let strategies = [{ id: "s-1", name: "Existing", templateId: "dca", status: "stopped" }];
    const { calls } = fakeFetch({
      "GET /strategy-templates": { body: TEMPLATES },
      "GET /strategies": () => ({ body: strategies }),
      "POST /strategies": (call) => {
        const body = call.body as { name: string; templateId: string };
        strategies = [...strategies, { id: "s-2", name: body.name, templateId: body.templateId, status: "created" }];
        return { status: 201, body: { id: "s-2", ...body } };
      },
    });
    render(<StrategiesView />);
    const list = await screen.findByRole("list", { name: "Strategies" });
    expect(within(list).getByText("Existing")).toBeTruthy();
    expect(within(await screen.findByRole("list", { name: "Strategy templates" })).getByText("Grid")).toBeTruthy();

    const form = screen.getByRole("form", { name: "Create strategy" });
    expect((within(form).getByLabelText("levels") as HTMLInputElement).value).toBe("10");
    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "BTC band" } });
    fireEvent.change(within(form).getByLabelText("levels"), { target: { value: "12" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create strategy" }));

    expect((await within(form).findByRole("status")).textContent).toBe('Created strategy "BTC band".');
    const post = calls.find((c) => c.method === "POST");
    expect(post?.body).toEqual({ templateId: "grid", name: "BTC band", parameters: { levels: 12, pair: "BTC/USDT" } });
    await waitFor(() => expect(within(screen.getByRole("list", { name: "Strategies" })).getByText("BTC band")).toBeTruthy());
  });

  it("switches parameters with the template and checks them before posting", async () => {
    stubConfig();
    const { calls } = fakeFetch({ "GET /strategy-templates": { body: TEMPLATES }, "GET /strategies": { body: [] } });
    render(<StrategiesView />);
    const form = await screen.findByRole("form", { name: "Create strategy" });
    fireEvent.change(within(form).getByLabelText("Template"), { target: { value: "dca" } });
    expect((within(form).getByLabelText("amount") as HTMLInputElement).value).toBe("25");
    expect(within(form).queryByLabelText("levels")).toBeNull();
    fireEvent.change(within(form).getByLabelText("amount"), { target: { value: "lots" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create strategy" }));
    expect(await within(form).findByText("Name is required.")).toBeTruthy();
    expect(within(form).getByText("amount must be a number.")).toBeTruthy();
    expect(calls.some((c) => c.method === "POST")).toBe(false);
    expect(screen.getByText("No strategies yet.")).toBeTruthy();
  });

  it("shows the API's message when creating fails", async () => {
    stubConfig();
    fakeFetch({
      "GET /strategy-templates": { body: TEMPLATES },
      "GET /strategies": { body: [] },
      "POST /strategies": { status: 409, body: { message: "a strategy with this name exists" } },
    });
    render(<StrategiesView />);
    const form = await screen.findByRole("form", { name: "Create strategy" });
    fireEvent.change(within(form).getByLabelText("Name"), { target: { value: "Dup" } });
    fireEvent.click(within(form).getByRole("button", { name: "Create strategy" }));
    expect((await within(form).findByRole("alert")).textContent).toBe(
      "Could not create the strategy: POST /strategies failed: HTTP 409 - a strategy with this name exists",
    );
  });

  it("shows an error state per list when the API fails", async () => {
    stubConfig();
    fakeFetch({ "GET /strategy-templates": { status: 500, body: { message: "boom" } }, "GET /strategies": { body: [] } });
    render(<StrategiesView />);
    expect((await screen.findByRole("alert")).textContent).toContain(
      "Could not load strategy templates: GET /strategy-templates failed: HTTP 500 - boom",
    );
    expect(screen.queryByRole("form", { name: "Create strategy" })).toBeNull();
  });
});

describe("risk profile", () => {
  function fill(values: Record<string, string>) {
    for (const [label, value] of Object.entries(values)) {
      fireEvent.change(screen.getByLabelText(label), { target: { value } });
    }
    fireEvent.click(screen.getByRole("button", { name: "Save risk profile" }));
  }

  it("shows validation errors and sends nothing for invalid values", async () => {
    stubConfig();
    const { fn } = fakeFetch({});
    render(<RiskProfileView />);
    fill({ "Max position size": "0", "Max daily loss": "", "Max leverage": "150" });
    expect(await screen.findByText("Max position size must be greater than 0.")).toBeTruthy();
    expect(screen.getByText("Max daily loss must be a number.")).toBeTruthy();
    expect(screen.getByText("Max leverage must be between 1 and 100.")).toBeTruthy();
    expect(screen.getByLabelText("Max leverage").getAttribute("aria-invalid")).toBe("true");
    expect(fn).not.toHaveBeenCalled();
  });

  it("puts a valid profile and confirms", async () => {
    stubConfig();
    const { calls } = fakeFetch({ "PUT /risk-profiles/desk-1": { body: { id: "desk-1" } } });
    render(<RiskProfileView />);
    fill({ "Profile id": "desk-1", "Max position size": "2500", "Max daily loss": "100", "Max leverage": "5" });
    expect((await screen.findByRole("status")).textContent).toBe('Saved risk profile "desk-1".');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      method: "PUT",
      url: `${API}/risk-profiles/desk-1`,
      body: { maxPositionSize: 2500, maxDailyLoss: 100, maxLeverage: 5 },
    });
  });

  it("shows the API's error", async () => {
    stubConfig();
    fakeFetch({ "PUT /risk-profiles/default": { status: 400, body: { message: "maxLeverage: must be at most 20" } } });
    render(<RiskProfileView />);
    fill({ "Max position size": "1", "Max daily loss": "1", "Max leverage": "50" });
    expect((await screen.findByRole("alert")).textContent).toBe(
      "Could not save the risk profile: PUT /risk-profiles/default failed: HTTP 400 - maxLeverage: must be at most 20",
    );
  });

  it("rejects a bad profile id", async () => {
    stubConfig();
    const { fn } = fakeFetch({});
    render(<RiskProfileView />);
    fill({ "Profile id": "a/b", "Max position size": "1", "Max daily loss": "1", "Max leverage": "2" });
    expect(await screen.findByText(/^Profile id: up to 128/)).toBeTruthy();
    expect(fn).not.toHaveBeenCalled();
  });
});

describe("audit log", () => {
  it("lists entries newest first", async () => {
    stubConfig();
    fakeFetch({
      "GET /audit-log": {
        body: {
          items: [
            { id: "1", action: "create", entityType: "strategy", entityId: "s-1", at: "2024-05-01T10:00:00.000Z" },
            { id: "2", action: "update", entityType: "risk-profile", entityId: "default", runId: "r-7", at: "2024-05-03T08:30:00.000Z" },
            { id: "3", action: "delete", entityType: "strategy", entityId: "s-0", at: "2024-05-02T12:00:00.000Z" },
          ],
        },
      },
    });
    render(<AuditView />);
    const table = await screen.findByRole("table", { name: "Audit log" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((row) => within(row).getAllByRole("cell")[1].textContent)).toEqual(["update", "delete", "create"]);
    expect(within(rows[0]).getAllByRole("cell")[0].textContent).toBe("2024-05-03 08:30:00 UTC");
    expect(within(rows[0]).getAllByRole("cell")[2].textContent).toBe("risk-profile default");
    expect(within(rows[0]).getAllByRole("cell")[3].textContent).toBe("run r-7");
  });

  it("shows the empty state and the error state", async () => {
    stubConfig();
    fakeFetch({ "GET /audit-log": { body: [] } });
    const { unmount } = render(<AuditView />);
    expect(await screen.findByText("The audit log is empty.")).toBeTruthy();
    unmount();
    fakeFetch({ "GET /audit-log": { status: 503, body: { message: "not deployed yet" } } });
    render(<AuditView />);
    expect((await screen.findByRole("alert")).textContent).toContain("GET /audit-log failed: HTTP 503 - not deployed yet");
  });
});
