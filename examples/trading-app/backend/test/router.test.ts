import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ConfigError, requireEnv } from '../src/lib/config';
import { HttpError, json } from '../src/lib/http';
import { type Route, createApiHandler } from '../src/lib/router';
import { createHandler as strategiesHandler } from '../src/handlers/strategies';
import { apiEvent, baseEnv, call, world } from './helpers/fakes';

const echo: Route[] = [
  { method: 'GET', path: '/things', handle: async (req) => json(200, { query: req.query }) },
  { method: 'POST', path: '/things', handle: async (req) => json(201, { body: req.body(), runId: req.runId() ?? null }) },
  { method: 'GET', path: '/things/{id}', handle: async (req) => json(200, { id: req.params.id, path: req.path }) },
  {
    method: 'DELETE',
    path: '/things/{id}',
    handle: async () => {
      throw new Error('database exploded at /var/task/secret-path.js');
    },
  },
  {
    method: 'PUT',
    path: '/things/{id}',
    handle: async (_req, deps) => json(200, { table: requireEnv(deps.env, 'TABLE_THINGS') }),
  },
];

function setup(env = baseEnv()) {
  const w = world(env);
  return { w, handler: createApiHandler('things', echo, w.deps) };
}

describe('routing', () => {
  it('routes by method and path, with path parameters decoded', async () => {
    const { handler } = setup();
    assert.deepEqual((await call(handler, 'GET', '/things', { query: { a: '1' } })).body, { query: { a: '1' } });
    const one = await call(handler, 'GET', '/things/a%3Ab');
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, { id: 'a:b', path: '/things/a%3Ab' });
  });

  it('ignores a trailing slash and a stage prefix in the path', async () => {
    const { handler } = setup();
    assert.equal((await call(handler, 'GET', '/things/')).status, 200);
    assert.equal((await call(handler, 'GET', '/live/things/x', { stage: 'live' })).body.id, 'x');
  });

  it('answers 404 for an unknown path and 405 with Allow for a known path with another method', async () => {
    const { handler } = setup();
    const missing = await call(handler, 'GET', '/other');
    assert.equal(missing.status, 404);
    assert.match(missing.body.message, /no route for \/other/);
    const wrong = await call(handler, 'PATCH', '/things');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.Allow, 'GET,POST,OPTIONS');
    assert.match(wrong.body.message, /PATCH not allowed/);
  });

  it('answers OPTIONS preflight with 204, an empty body and the CORS headers', async () => {
    const { handler } = setup();
    const preflight = await call(handler, 'OPTIONS', '/things/abc');
    assert.equal(preflight.status, 204);
    assert.equal(preflight.raw.body, '');
    assert.equal(preflight.headers['Access-Control-Allow-Origin'], '*');
    assert.equal(preflight.headers['Access-Control-Allow-Headers'], 'content-type,x-run-id');
    assert.equal(preflight.headers['Access-Control-Allow-Methods'], 'DELETE,GET,POST,PUT,OPTIONS');
  });

  it('puts the CORS headers on every response, errors included; ALLOWED_ORIGIN sets the origin', async () => {
    const { handler } = setup({ ...baseEnv(), ALLOWED_ORIGIN: 'https://app.example.com' });
    for (const [method, path] of [
      ['GET', '/things'],
      ['GET', '/nowhere'],
      ['PATCH', '/things'],
      ['DELETE', '/things/x'],
    ] as const) {
      const answer = await call(handler, method, path);
      assert.equal(answer.headers['Access-Control-Allow-Origin'], 'https://app.example.com', `${method} ${path}`);
      assert.equal(answer.headers.Vary, 'Origin');
      assert.equal(answer.headers['Access-Control-Allow-Headers'], 'content-type,x-run-id');
      assert.equal(answer.headers['Content-Type'], 'application/json');
    }
  });

  it('routes the real handlers: a strategies path is not a templates path', async () => {
    const w = world();
    const handler = strategiesHandler(w.deps);
    assert.equal((await call(handler, 'GET', '/strategy-templates')).status, 404);
    assert.equal((await call(handler, 'PUT', '/strategies/x')).status, 405);
  });
});

describe('request bodies and run ids', () => {
  it('rejects a body that is not JSON, or not an object, naming the body', async () => {
    const { handler } = setup();
    const bad = await call(handler, 'POST', '/things', { body: '{"a":' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body, { message: 'body: is not valid JSON', field: 'body' });
    assert.equal((await call(handler, 'POST', '/things', { body: [1, 2] })).body.message, 'body: must be a JSON object');
    assert.equal((await call(handler, 'POST', '/things')).body.field, 'body');
  });

  it('decodes a base64 body', async () => {
    const { handler } = setup();
    const event = apiEvent('POST', '/things', { body: Buffer.from('{"a":1}').toString('base64') });
    event.isBase64Encoded = true;
    const result = await handler(event);
    assert.equal(result.statusCode, 201);
    assert.deepEqual(JSON.parse(result.body).body, { a: 1 });
  });

  it('takes the run id from the body field, else from the X-Run-Id header (any case)', async () => {
    const { handler } = setup();
    const fromHeader = await call(handler, 'POST', '/things', { body: {}, headers: { 'x-RUN-id': 'run-1' } });
    assert.equal(fromHeader.body.runId, 'run-1');
    const fromBody = await call(handler, 'POST', '/things', { body: { runId: 'run-2' }, headers: { 'X-Run-Id': 'run-1' } });
    assert.equal(fromBody.body.runId, 'run-2');
    const invalid = await call(handler, 'POST', '/things', { body: {}, headers: { 'X-Run-Id': 'bad run id' } });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.field, 'X-Run-Id');
  });
});

describe('errors', () => {
  it('answers 500 without stack trace or error message, and logs the error', async () => {
    const { w, handler } = setup();
    const answer = await call(handler, 'DELETE', '/things/x');
    assert.equal(answer.status, 500);
    assert.deepEqual(answer.body, { message: 'internal error: Error', requestId: 'aws-req-1' });
    assert.doesNotMatch(answer.raw.body, /exploded|secret-path|at /);
    const logged = w.logs.find((entry) => entry.level === 'error');
    assert.ok(logged, 'the failure is logged');
    assert.match(JSON.stringify(logged.fields), /database exploded/);
  });

  it('answers 500 naming a missing configuration variable', async () => {
    const { handler } = setup();
    const answer = await call(handler, 'PUT', '/things/x', { body: {} });
    assert.equal(answer.status, 500);
    assert.equal(answer.body.message, 'missing configuration: TABLE_THINGS is not set');
  });

  it('keeps the status and message of an HttpError', () => {
    const error = new HttpError(409, 'taken');
    assert.equal(error.status, 409);
    assert.ok(new ConfigError('x') instanceof HttpError);
  });

  it('logs one line per request with method, path, status and duration', async () => {
    const { w, handler } = setup();
    await call(handler, 'GET', '/things', { headers: { 'X-Run-Id': 'run-9' } });
    const line = w.logs.at(-1);
    assert.equal(line?.message, 'request');
    assert.equal(line?.fields.status, 200);
    assert.equal(line?.fields.runId, 'run-9');
    assert.equal(typeof line?.fields.durationMs, 'number');
  });
});
