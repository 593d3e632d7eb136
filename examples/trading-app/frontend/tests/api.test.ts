import { describe, expect, it, vi } from "vitest";
import {
  ApiError,
  asList,
  buildUrl,
  createApiClient,
  normalizeAuditEntry,
  normalizeHealth,
  normalizeTemplate,
  sortNewestFirst,
} from "@/lib/api";
import { API, fakeFetch } from "./helpers";

describe("buildUrl", () => {
  it("keeps the stage path of the base URL", () => {
    expect(buildUrl(API, "/health")).toBe(`${API}/health`);
  });

  it("drops trailing slashes of the base URL and surrounding blanks", () => {
    expect(buildUrl(` ${API}// `, "/strategies")).toBe(`${API}/strategies`);
  });

  it("appends query parameters that have a value, in order", () => {
    expect(buildUrl(API, "/audit-log", { limit: 50, after: undefined, from: "a b", all: false, x: null })).toBe(
      `${API}/audit-log?limit=50&from=a+b&all=false`,
    );
  });

  it("says the API is not configured when the base URL is empty", () => {
    expect(() => buildUrl("", "/health")).toThrowError(/API not configured/);
    try {
      buildUrl("  ", "/health");
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).kind).toBe("not-configured");
    }
  });

  it("rejects a base URL that is not http(s) and a relative path", () => {
    expect(() => buildUrl("abc.example.com", "/health")).toThrowError(/must start with http/);
    expect(() => buildUrl(API, "health")).toThrowError(/must start with "\/"/);
  });
});

describe("api client requests", () => {
  it("sends Accept and no X-Run-Id or Content-Type on a plain GET", async () => {
    const { calls } = fakeFetch({ "GET /health": { body: { status: "ok" } } });
    await createApiClient({ baseUrl: API }).getHealth();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: "GET", url: `${API}/health` });
    expect(calls[0].headers).toEqual({ Accept: "application/json" });
  });

  it("sends X-Run-Id only when a run id is given", async () => {
    const { calls } = fakeFetch({ "GET /strategies": { body: [] } });
    await createApiClient({ baseUrl: API, runId: "run-42" }).listStrategies();
    await createApiClient({ baseUrl: API, runId: "  " }).listStrategies();
    expect(calls[0].headers["X-Run-Id"]).toBe("run-42");
    expect(calls[1].headers).not.toHaveProperty("X-Run-Id");
  });

  it("posts a new strategy as JSON with exactly templateId, name and parameters", async () => {
    const { calls } = fakeFetch({
      "POST /strategies": (call) => ({ status: 201, body: { id: "s-1", ...(call.body as object) } }),
    });
    const created = await createApiClient({ baseUrl: API }).createStrategy({
      templateId: "grid",
      name: "BTC grid",
      parameters: { levels: 10 },
      // @ts-expect-error extra fields are not sent
      extra: "dropped",
    });
    expect(calls[0].method).toBe("POST");
    expect(calls[0].headers["Content-Type"]).toBe("application/json");
    expect(calls[0].body).toEqual({ templateId: "grid", name: "BTC grid", parameters: { levels: 10 } });
    expect(created).toMatchObject({ id: "s-1", name: "BTC grid", templateId: "grid" });
  });

  it("puts a risk profile to an encoded id", async () => {
    const { calls } = fakeFetch({ "PUT /risk-profiles/team%20a%2Fb": { body: { ok: true } } });
    await createApiClient({ baseUrl: API }).updateRiskProfile("team a/b", {
      maxPositionSize: 1000,
      maxDailyLoss: 50,
      maxLeverage: 3,
    });
    expect(calls[0]).toMatchObject({
      method: "PUT",
      url: `${API}/risk-profiles/team%20a%2Fb`,
      body: { maxPositionSize: 1000, maxDailyLoss: 50, maxLeverage: 3 },
    });
  });

  it("uses the fetch passed in options over the global one", async () => {
    const own = vi.fn(async () => new Response("[]", { status: 200 }));
    const { fn: global } = fakeFetch({});
    await createApiClient({ baseUrl: API, fetch: own as unknown as typeof fetch }).listStrategies();
    expect(own).toHaveBeenCalledOnce();
    expect(global).not.toHaveBeenCalled();
  });

  it("accepts lists as arrays or wrapped in an object", async () => {
    fakeFetch({
      "GET /strategy-templates": { body: { items: [{ id: "grid", name: "Grid", parameters: { levels: { default: 5 } } }] } },
      "GET /strategies": { body: [{ id: "s-1", name: "One" }] },
    });
    const api = createApiClient({ baseUrl: API });
    expect(await api.listStrategyTemplates()).toEqual([{ id: "grid", name: "Grid", description: undefined, parameters: { levels: 5 } }]);
    expect((await api.listStrategies()).map((s) => s.id)).toEqual(["s-1"]);
  });

  it("returns undefined for an empty 204 answer", async () => {
    fakeFetch({ "PUT /risk-profiles/default": { status: 204 } });
    await expect(
      createApiClient({ baseUrl: API }).updateRiskProfile("default", { maxPositionSize: 1, maxDailyLoss: 1, maxLeverage: 1 }),
    ).resolves.toBeUndefined();
  });
});

describe("api client errors", () => {
  it("turns an unreachable API into a network ApiError naming the URL", async () => {
    fakeFetch({ "GET /health": new TypeError("fetch failed") });
    const error = await createApiClient({ baseUrl: API }).getHealth().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ kind: "network", url: `${API}/health` });
    expect((error as Error).message).toBe(`Could not reach the API (GET ${API}/health): fetch failed`);
  });

  it("reports the status and the API's message for an HTTP error", async () => {
    fakeFetch({ "POST /strategies": { status: 400, body: { message: "name: is required", field: "name" } } });
    const error = (await createApiClient({ baseUrl: API })
      .createStrategy({ templateId: "grid", name: "", parameters: {} })
      .catch((e: unknown) => e)) as ApiError;
    expect(error.kind).toBe("http");
    expect(error.status).toBe(400);
    expect(error.body).toEqual({ message: "name: is required", field: "name" });
    expect(error.message).toBe("POST /strategies failed: HTTP 400 - name: is required");
  });

  it("reports an HTTP error whose body is not JSON", async () => {
    fakeFetch({ "GET /health": { status: 502, text: "Bad Gateway" } });
    await expect(createApiClient({ baseUrl: API }).getHealth()).rejects.toThrowError("GET /health failed: HTTP 502 - Bad Gateway");
  });

  it("reports a success answer that is not JSON", async () => {
    fakeFetch({ "GET /strategies": { text: "<html>oops</html>" } });
    await expect(createApiClient({ baseUrl: API }).listStrategies()).rejects.toMatchObject({
      kind: "parse",
      message: "GET /strategies: the response is not JSON.",
    });
  });

  it("reports a list answer that is not a list", async () => {
    fakeFetch({ "GET /audit-log": { body: { unexpected: true } } });
    await expect(createApiClient({ baseUrl: API }).getAuditLog()).rejects.toThrowError("Unexpected response: expected a list.");
  });

  it("does not request anything when the API is not configured", async () => {
    const { fn } = fakeFetch({});
    await expect(createApiClient({ baseUrl: "" }).getHealth()).rejects.toMatchObject({ kind: "not-configured" });
    expect(fn).not.toHaveBeenCalled();
  });

  it("lets an abort through unchanged", async () => {
    const abort = new DOMException("The operation was aborted.", "AbortError");
    fakeFetch({ "GET /health": abort });
    await expect(createApiClient({ baseUrl: API }).getHealth()).rejects.toBe(abort);
  });
});

describe("response normalization", () => {
  it("reads health checks and credentials given as maps", () => {
    const health = normalizeHealth({
      status: "degraded",
      checks: { dynamodb: "ok", timestream: { ok: false, message: "timeout" }, redis: { status: "up" } },
      credentials: { binance: "readable", openai: "empty", kraken: false, coinbase: true },
    });
    expect(health.status).toBe("degraded");
    expect(health.checks).toEqual([
      { name: "dynamodb", ok: true, detail: "ok" },
      { name: "timestream", ok: false, detail: "timeout" },
      { name: "redis", ok: true, detail: "up" },
    ]);
    expect(health.credentials).toEqual([
      { name: "binance", readable: true },
      { name: "openai", readable: false },
      { name: "kraken", readable: false },
      { name: "coinbase", readable: true },
    ]);
  });

  it("reads health checks and credentials given as lists", () => {
    const health = normalizeHealth({
      status: "ok",
      checks: [{ name: "dynamodb", ok: true }],
      credentials: ["binance", { name: "openai", status: "unreadable" }],
    });
    expect(health.checks).toEqual([{ name: "dynamodb", ok: true, detail: undefined }]);
    expect(health.credentials).toEqual([
      { name: "binance", readable: true },
      { name: "openai", readable: false },
    ]);
  });

  it("rejects a health answer that is not an object", () => {
    expect(() => normalizeHealth([])).toThrowError(/expected an object/);
  });

  it("takes template parameter defaults from specs or plain values", () => {
    expect(normalizeTemplate({ id: "dca", parameters: { amount: { type: "number", default: 25 }, pair: "BTC/USDT" } })).toEqual({
      id: "dca",
      name: "dca",
      description: undefined,
      parameters: { amount: 25, pair: "BTC/USDT" },
    });
  });

  it("reads the API's audit entries (at, entityType, entityId, runId)", () => {
    expect(
      normalizeAuditEntry({ id: "a1", action: "create", entityType: "strategy", entityId: "s-1", runId: "r-9", at: "2024-05-01T10:00:00.000Z" }),
    ).toMatchObject({ id: "a1", action: "create", target: "strategy s-1", runId: "r-9", timestamp: "2024-05-01T10:00:00.000Z" });
  });

  it("sorts audit entries newest first, undated last, ties in order", () => {
    const entries = [
      { id: "old", action: "x", timestamp: "2024-01-01T00:00:00Z" },
      { id: "undated", action: "x" },
      { id: "new", action: "x", timestamp: "2024-03-01T00:00:00Z" },
      { id: "mid-1", action: "x", timestamp: "2024-02-01T00:00:00Z" },
      { id: "mid-2", action: "x", timestamp: "2024-02-01T00:00:00Z" },
    ];
    expect(sortNewestFirst(entries).map((e) => e.id)).toEqual(["new", "mid-1", "mid-2", "old", "undated"]);
  });

  it("returns audit entries newest first whatever the API's order", async () => {
    fakeFetch({
      "GET /audit-log": {
        body: {
          items: [
            { id: "1", action: "create", at: "2024-05-01T10:00:00Z" },
            { id: "2", action: "update", at: "2024-05-03T10:00:00Z" },
            { id: "3", action: "delete", at: "2024-05-02T10:00:00Z" },
          ],
        },
      },
    });
    expect((await createApiClient({ baseUrl: API }).getAuditLog()).map((e) => e.id)).toEqual(["2", "3", "1"]);
  });

  it("finds a list under the given keys only", () => {
    expect(asList({ entries: [1] }, ["entries"])).toEqual([1]);
    expect(() => asList({ entries: [1] }, ["items"])).toThrowError(ApiError);
  });
});
