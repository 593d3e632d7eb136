import { vi } from "vitest";

export const API = "https://abc.execute-api.us-east-1.amazonaws.com/live";

export interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

type Answer = { status?: number; body?: unknown; text?: string } | Error | DOMException;

/**
 * A fake fetch answering "METHOD /path" (path relative to API, without query) from `routes`;
 * anything else is a 404. `calls` records every request.
 */
export function fakeFetch(routes: Record<string, Answer | ((call: Call) => Answer)>) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = String(input);
    const method = (init.method ?? "GET").toUpperCase();
    const headers = Object.fromEntries(Object.entries((init.headers as Record<string, string>) ?? {}));
    const body = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
    const call = { method, url, headers, body };
    calls.push(call);
    const path = url.startsWith(API) ? url.slice(API.length).split("?")[0] : url;
    const route = routes[`${method} ${path}`];
    const answer = typeof route === "function" ? route(call) : route;
    if (answer === undefined) return new Response(JSON.stringify({ message: "no route" }), { status: 404 });
    if (answer instanceof Error || answer instanceof DOMException) throw answer;
    const text = answer.text ?? (answer.body === undefined ? "" : JSON.stringify(answer.body));
    return new Response(answer.status === 204 ? null : text, {
      status: answer.status ?? 200,
      headers: { "Content-Type": "application/json" },
    });
  });
  vi.stubGlobal("fetch", fn);
  return { fn, calls };
}

/** Config as the deploy writes it, for the code that reads process.env at render time. */
export function stubConfig(values: { api?: string; ai?: string; paper?: string; live?: string } = {}) {
  vi.stubEnv("NEXT_PUBLIC_API_URL", values.api ?? API);
  vi.stubEnv("NEXT_PUBLIC_FEATURE_AI_ASSISTANT", values.ai ?? "false");
  vi.stubEnv("NEXT_PUBLIC_FEATURE_PAPER_TRADING", values.paper ?? "true");
  vi.stubEnv("NEXT_PUBLIC_FEATURE_LIVE_TRADING", values.live ?? "false");
}
