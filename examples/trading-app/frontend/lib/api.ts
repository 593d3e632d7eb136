/**
 * Client of the trading app's API (API Gateway, stage "live"). Every call returns parsed JSON
 * or throws an ApiError that says what went wrong in words a person can act on.
 */
import type { RiskProfile } from "./validation";

export type ApiErrorKind = "not-configured" | "network" | "http" | "parse";

export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  /** HTTP status for kind "http". */
  readonly status?: number;
  /** The URL requested (absent for "not-configured"). */
  readonly url?: string;
  /** The parsed (or raw text) response body for kind "http". */
  readonly body?: unknown;

  constructor(kind: ApiErrorKind, message: string, extra: { status?: number; url?: string; body?: unknown } = {}) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.status = extra.status;
    this.url = extra.url;
    this.body = extra.body;
  }
}

export type QueryValue = string | number | boolean | undefined | null;

/**
 * Joins the base URL (which may carry a path, like the stage in
 * https://abc.execute-api.us-east-1.amazonaws.com/live) and an absolute path, then appends the
 * query parameters that have a value, in the order given.
 */
export function buildUrl(baseUrl: string, path: string, query?: Record<string, QueryValue>): string {
  const base = (baseUrl ?? "").trim().replace(/\/+$/, "");
  if (base === "") throw new ApiError("not-configured", "API not configured: NEXT_PUBLIC_API_URL is empty.");
  if (!/^https?:\/\//i.test(base)) {
    throw new ApiError("not-configured", `API URL must start with http:// or https://, got "${base}".`);
  }
  if (!path.startsWith("/")) throw new Error(`API path must start with "/": ${path}`);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) params.append(key, String(value));
  }
  const search = params.toString();
  return `${base}${path}${search ? `?${search}` : ""}`;
}

/** One path segment, encoded: "a/b c" -> "a%2Fb%20c". */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

export interface ApiClientOptions {
  baseUrl: string;
  /** Sent as X-Run-Id (deployment validation runs tag their requests); omitted when empty. */
  runId?: string;
  /** Defaults to the global fetch, looked up at call time. */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, QueryValue>;
  signal?: AbortSignal;
}

// ---- response shapes (lenient: the backend may wrap lists as {items: [...]}) ----------------

export interface HealthCheck {
  name: string;
  ok: boolean;
  detail?: string;
}

export interface CredentialStatus {
  name: string;
  readable: boolean;
}

export interface Health {
  status: string;
  checks: HealthCheck[];
  credentials: CredentialStatus[];
  raw: unknown;
}

export interface StrategyTemplate {
  id: string;
  name: string;
  description?: string;
  /** Parameter name -> default value. */
  parameters: Record<string, unknown>;
}

export interface Strategy {
  id: string;
  name: string;
  templateId?: string;
  parameters?: Record<string, unknown>;
  status?: string;
  createdAt?: string;
}

export interface AuditEntry {
  id: string;
  /** ISO time of the change (the API's `at`). */
  timestamp?: string;
  action: string;
  actor?: string;
  /** What changed, e.g. "strategy s-1" (the API's entityType and entityId). */
  target?: string;
  /** The deployment run that made the change, when one did. */
  runId?: string;
  details?: unknown;
}

export interface NewStrategy {
  templateId: string;
  name: string;
  parameters: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A list answer: either an array, or an object with the array under one of `keys`. */
export function asList(value: unknown, keys: string[] = ["items"]): unknown[] {
  if (Array.isArray(value)) return value;
  if (isObject(value)) {
    for (const key of keys) if (Array.isArray(value[key])) return value[key] as unknown[];
  }
  throw new ApiError("parse", "Unexpected response: expected a list.");
}

const OK_WORDS = new Set(["ok", "pass", "passed", "healthy", "up", "true", "green"]);

function checkOk(value: unknown): { ok: boolean; detail?: string } {
  if (typeof value === "boolean") return { ok: value };
  if (typeof value === "string") return { ok: OK_WORDS.has(value.toLowerCase()), detail: value };
  if (isObject(value)) {
    const detail = typeof value.message === "string" ? value.message : typeof value.detail === "string" ? value.detail : undefined;
    if (typeof value.ok === "boolean") return { ok: value.ok, detail };
    if (typeof value.status === "string") return { ok: OK_WORDS.has(value.status.toLowerCase()), detail: detail ?? value.status };
  }
  return { ok: false };
}

function readable(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") return value.toLowerCase() === "readable";
  if (isObject(value)) {
    if (typeof value.readable === "boolean") return value.readable;
    if (typeof value.status === "string") return value.status.toLowerCase() === "readable";
  }
  return false;
}

/**
 * Health as the dashboard shows it. Accepts checks and credentials either as a map
 * ({"dynamodb": "ok", "timestream": {"ok": false, "message": "..."}}) or as a list of
 * {name, ok|status, ...}; credentials as a map of name to true/false or to a status
 * ("readable", "empty", "unreadable"), as [{name, readable|status}], or as a list of the names
 * that are readable.
 */
export function normalizeHealth(raw: unknown): Health {
  if (!isObject(raw)) throw new ApiError("parse", "Unexpected health response: expected an object.");
  const status = typeof raw.status === "string" ? raw.status : "unknown";
  const checks: HealthCheck[] = [];
  if (Array.isArray(raw.checks)) {
    for (const item of raw.checks) if (isObject(item)) checks.push({ name: String(item.name ?? "?"), ...checkOk(item) });
  } else if (isObject(raw.checks)) {
    for (const [name, value] of Object.entries(raw.checks)) checks.push({ name, ...checkOk(value) });
  }
  const credentials: CredentialStatus[] = [];
  if (Array.isArray(raw.credentials)) {
    for (const item of raw.credentials) {
      if (typeof item === "string") credentials.push({ name: item, readable: true });
      else if (isObject(item)) credentials.push({ name: String(item.name ?? "?"), readable: readable(item) });
    }
  } else if (isObject(raw.credentials)) {
    for (const [name, value] of Object.entries(raw.credentials)) credentials.push({ name, readable: readable(value) });
  }
  return { status, checks, credentials, raw };
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : typeof value === "number" ? String(value) : undefined;
}

function templateDefaults(value: unknown): Record<string, unknown> {
  if (!isObject(value)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(value)) out[key] = isObject(spec) && "default" in spec ? spec.default : spec;
  return out;
}

export function normalizeTemplate(raw: unknown): StrategyTemplate {
  const item = isObject(raw) ? raw : {};
  const id = str(item.id) ?? str(item.templateId) ?? "";
  return {
    id,
    name: str(item.name) ?? id,
    description: str(item.description),
    parameters: templateDefaults(item.parameters ?? item.defaults ?? item.defaultParameters),
  };
}

export function normalizeStrategy(raw: unknown): Strategy {
  const item = isObject(raw) ? raw : {};
  const id = str(item.id) ?? "";
  return {
    id,
    name: str(item.name) ?? id,
    templateId: str(item.templateId),
    parameters: isObject(item.parameters) ? item.parameters : undefined,
    status: str(item.status),
    createdAt: str(item.createdAt),
  };
}

export function normalizeAuditEntry(raw: unknown): AuditEntry {
  const item = isObject(raw) ? raw : {};
  const entity = [str(item.entityType), str(item.entityId)].filter(Boolean).join(" ");
  return {
    id: str(item.id) ?? "",
    timestamp: str(item.at) ?? str(item.timestamp) ?? str(item.createdAt) ?? str(item.time),
    action: str(item.action) ?? str(item.event) ?? "?",
    actor: str(item.actor) ?? str(item.user),
    target: str(item.target) ?? str(item.resource) ?? (entity || undefined),
    runId: str(item.runId),
    details: item.details,
  };
}

function time(entry: AuditEntry): number {
  const value = entry.timestamp ? Date.parse(entry.timestamp) : NaN;
  return Number.isNaN(value) ? -Infinity : value;
}

/** Newest first; entries without a readable timestamp last; ties keep their order. */
export function sortNewestFirst(entries: AuditEntry[]): AuditEntry[] {
  return entries
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => time(b.entry) - time(a.entry) || a.index - b.index)
    .map(({ entry }) => entry);
}

function messageOf(body: unknown): string | undefined {
  if (isObject(body)) {
    for (const key of ["message", "error", "detail"]) if (typeof body[key] === "string" && body[key]) return body[key] as string;
  }
  if (typeof body === "string" && body.trim() !== "" && body.length <= 200) return body.trim();
  return undefined;
}

export function createApiClient(options: ApiClientOptions) {
  const { baseUrl, runId } = options;

  async function request<T = unknown>(method: string, path: string, init: RequestOptions = {}): Promise<T> {
    const url = buildUrl(baseUrl, path, init.query);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (init.body !== undefined) headers["Content-Type"] = "application/json";
    if (runId && runId.trim() !== "") headers["X-Run-Id"] = runId.trim();
    const doFetch = options.fetch ?? globalThis.fetch;
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal,
      });
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name === "AbortError") throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new ApiError("network", `Could not reach the API (${method} ${url}): ${reason}`, { url });
    }
    const text = await response.text();
    let body: unknown = undefined;
    let parsed = true;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        parsed = false;
        body = text;
      }
    }
    if (!response.ok) {
      const detail = messageOf(body);
      const statusText = response.statusText ? ` ${response.statusText}` : "";
      throw new ApiError(
        "http",
        `${method} ${path} failed: HTTP ${response.status}${statusText}${detail ? ` - ${detail}` : ""}`,
        { status: response.status, url, body },
      );
    }
    if (!parsed) throw new ApiError("parse", `${method} ${path}: the response is not JSON.`, { status: response.status, url, body });
    return body as T;
  }

  return {
    request,
    async getHealth(signal?: AbortSignal): Promise<Health> {
      return normalizeHealth(await request("GET", "/health", { signal }));
    },
    async listStrategyTemplates(signal?: AbortSignal): Promise<StrategyTemplate[]> {
      return asList(await request("GET", "/strategy-templates", { signal }), ["items", "templates", "strategyTemplates"]).map(normalizeTemplate);
    },
    async listStrategies(signal?: AbortSignal): Promise<Strategy[]> {
      return asList(await request("GET", "/strategies", { signal }), ["items", "strategies"]).map(normalizeStrategy);
    },
    async createStrategy(input: NewStrategy, signal?: AbortSignal): Promise<Strategy> {
      const body = { templateId: input.templateId, name: input.name, parameters: input.parameters };
      const created = await request("POST", "/strategies", { body, signal });
      return normalizeStrategy(isObject(created) && isObject(created.strategy) ? created.strategy : created);
    },
    async updateRiskProfile(id: string, profile: RiskProfile, signal?: AbortSignal): Promise<unknown> {
      const body = { maxPositionSize: profile.maxPositionSize, maxDailyLoss: profile.maxDailyLoss, maxLeverage: profile.maxLeverage };
      return request("PUT", `/risk-profiles/${segment(id)}`, { body, signal });
    },
    async getAuditLog(signal?: AbortSignal): Promise<AuditEntry[]> {
      const list = asList(await request("GET", "/audit-log", { signal }), ["items", "entries", "auditLog"]);
      return sortNewestFirst(list.map(normalizeAuditEntry));
    },
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
