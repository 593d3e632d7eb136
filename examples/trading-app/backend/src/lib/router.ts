// The Lambda entry point shared by every handler: routing of API Gateway REST proxy events,
// CORS (including OPTIONS preflight), error responses and one log line per request.

import type { Deps } from './deps';
import { makeDeps } from './deps';
import {
  type ApiEvent,
  type ApiResult,
  type LambdaContext,
  HttpError,
  badRequest,
  corsHeaders,
  errorBody,
  json,
  noContent,
} from './http';
import { describeError, errorName } from './log';
import { type JsonObject, checkRunId, isObject } from './validation';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Request {
  event: ApiEvent;
  method: string;
  /** The path without trailing slash, e.g. /strategies/abc. */
  path: string;
  /** Path parameters of the route, decoded: {id} in /strategies/{id}. */
  params: Record<string, string>;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  requestId: string;
  /** The body as a JSON object; 400 when it is missing, not JSON or not an object. */
  body(): JsonObject;
  /** The run id: body field runId, else header X-Run-Id; undefined when neither is given. */
  runId(): string | undefined;
}

export type RouteHandler = (request: Request, deps: Deps) => Promise<ApiResult>;

export interface Route {
  method: Method;
  /** With the route prefix and {name} parameters, e.g. /strategies/{id}. */
  path: string;
  handle: RouteHandler;
}

export type ApiHandler = (event: ApiEvent, context?: LambdaContext) => Promise<ApiResult>;

interface CompiledRoute extends Route {
  segments: string[];
}

function splitPath(path: string): string[] | undefined {
  try {
    return path
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

function matchSegments(route: CompiledRoute, segments: string[]): Record<string, string> | undefined {
  if (route.segments.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const pattern = route.segments[i] as string;
    const actual = segments[i] as string;
    if (pattern.startsWith('{') && pattern.endsWith('}')) params[pattern.slice(1, -1)] = actual;
    else if (pattern !== actual) return undefined;
  }
  return params;
}

function lowerCaseKeys(record: Record<string, string | undefined> | null | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(record ?? {})) {
    if (value !== undefined && value !== null) result[key.toLowerCase()] = value;
  }
  return result;
}

function definedValues(record: Record<string, string | undefined> | null | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(record ?? {})) {
    if (value !== undefined && value !== null) result[key] = value;
  }
  return result;
}

function makeRequest(event: ApiEvent, method: string, segments: string[], params: Record<string, string>, requestId: string): Request {
  const headers = lowerCaseKeys(event.headers);
  let parsed: { value: unknown } | undefined;
  const parseBody = (): unknown => {
    if (parsed) return parsed.value;
    const raw = event.body ?? '';
    const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    if (text.trim() === '') {
      parsed = { value: undefined };
    } else {
      try {
        parsed = { value: JSON.parse(text) };
      } catch {
        throw badRequest('body', 'is not valid JSON');
      }
    }
    return parsed.value;
  };
  return {
    event,
    method,
    path: `/${segments.map((s) => encodeURIComponent(s)).join('/')}`,
    params,
    query: definedValues(event.queryStringParameters),
    headers,
    requestId,
    body() {
      const value = parseBody();
      if (value === undefined) throw badRequest('body', 'is required (a JSON object)');
      if (!isObject(value)) throw badRequest('body', 'must be a JSON object');
      return value;
    },
    runId() {
      const value = parseBody();
      if (isObject(value) && value.runId !== undefined && value.runId !== null) return checkRunId(value.runId, 'runId');
      const header = headers['x-run-id'];
      if (header !== undefined && header !== '') return checkRunId(header, 'X-Run-Id');
      return undefined;
    },
  };
}

function failureResult(error: unknown, requestId: string): ApiResult {
  if (error instanceof HttpError) return json(error.status, errorBody(error), error.headers);
  return json(500, { message: `internal error: ${errorName(error)}`, requestId });
}

/** The Lambda handler of `routes`. `overrides` replace dependencies (tests). */
export function createApiHandler(name: string, routes: Route[], overrides: Partial<Deps> = {}): ApiHandler {
  const deps = makeDeps(overrides);
  const compiled: CompiledRoute[] = routes.map((route) => ({ ...route, segments: splitPath(route.path) ?? [] }));
  const methods = [...new Set(routes.map((route) => route.method))].sort();

  const dispatch = async (event: ApiEvent, requestId: string): Promise<ApiResult> => {
    const method = (event.httpMethod ?? '').toUpperCase();
    let segments = splitPath(event.path ?? '/');
    if (!segments) throw badRequest('path', 'is not a valid URL path');

    let candidates = compiled.filter((route) => matchSegments(route, segments as string[]));
    // Invoked through a base path that includes the stage (/live/strategies): try without it.
    const stage = event.requestContext?.stage;
    if (candidates.length === 0 && stage && segments[0] === stage) {
      segments = segments.slice(1);
      candidates = compiled.filter((route) => matchSegments(route, segments as string[]));
    }
    if (candidates.length === 0) throw new HttpError(404, `no route for ${event.path}`);
    if (method === 'OPTIONS') return noContent({ 'Access-Control-Max-Age': '600' });

    const route = candidates.find((candidate) => candidate.method === method);
    if (!route) {
      const allowed = [...new Set(candidates.map((candidate) => candidate.method)), 'OPTIONS'];
      throw new HttpError(405, `method ${method || '(none)'} not allowed on ${event.path}; allowed: ${allowed.join(', ')}`, {
        headers: { Allow: allowed.join(',') },
      });
    }
    const params = matchSegments(route, segments) as Record<string, string>;
    return route.handle(makeRequest(event, method, segments, params, requestId), deps);
  };

  return async (event, context) => {
    const started = Date.now();
    const requestId = context?.awsRequestId ?? event?.requestContext?.requestId ?? '';
    let result: ApiResult;
    let failure: unknown;
    try {
      result = await dispatch(event, requestId);
    } catch (error) {
      failure = error;
      result = failureResult(error, requestId);
    }

    const fields: Record<string, unknown> = {
      handler: name,
      method: event?.httpMethod,
      path: event?.path,
      status: result.statusCode,
      durationMs: Date.now() - started,
      requestId,
    };
    const runIdHeader = lowerCaseKeys(event?.headers)['x-run-id'];
    if (runIdHeader) fields.runId = runIdHeader.slice(0, 128);
    if (result.statusCode >= 500) {
      // An HttpError (missing configuration, Redis unavailable) says all in its message; any
      // other error is unexpected and logged with its stack.
      const error = failure instanceof HttpError ? failure.message : describeError(failure);
      deps.log('error', 'request failed', { ...fields, error });
    } else {
      deps.log('info', 'request', failure instanceof HttpError ? { ...fields, error: failure.message } : fields);
    }

    return { ...result, headers: { ...corsHeaders(deps.env, methods), ...result.headers } };
  };
}
