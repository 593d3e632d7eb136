// API Gateway REST proxy integration (payload format 1.0): the event, the result, and the
// JSON responses every handler gives (always with CORS headers).

export interface ApiEvent {
  httpMethod: string;
  path: string;
  resource?: string | null;
  pathParameters?: Record<string, string | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  headers?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { stage?: string; requestId?: string; [key: string]: unknown } | null;
}

export interface ApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The part of the Lambda context the handlers use. */
export interface LambdaContext {
  awsRequestId?: string;
}

/** An error that becomes a response: its status and a message safe to show to the caller. */
export class HttpError extends Error {
  readonly status: number;
  readonly field: string | undefined;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, options: { field?: string; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.field = options.field;
    this.headers = options.headers ?? {};
  }
}

export const badRequest = (field: string, problem: string): HttpError =>
  new HttpError(400, `${field}: ${problem}`, { field });

export const notFound = (message: string): HttpError => new HttpError(404, message);

export const conflict = (message: string): HttpError => new HttpError(409, message);

export const ALLOWED_HEADERS = 'content-type,x-run-id';

/** CORS headers of every response; `methods` are the methods of the handler's routes. */
export function corsHeaders(env: Record<string, string | undefined>, methods: readonly string[]): Record<string, string> {
  const origin = env.ALLOWED_ORIGIN?.trim() || '*';
  const headers: Record<string, string> = {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Headers': ALLOWED_HEADERS,
    'Access-Control-Allow-Methods': [...methods, 'OPTIONS'].join(','),
  };
  if (origin !== '*') headers.Vary = 'Origin';
  return headers;
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export function noContent(headers: Record<string, string> = {}): ApiResult {
  return { statusCode: 204, headers: { ...headers }, body: '' };
}

export function errorBody(error: HttpError): { message: string; field?: string } {
  return error.field === undefined ? { message: error.message } : { message: error.message, field: error.field };
}
