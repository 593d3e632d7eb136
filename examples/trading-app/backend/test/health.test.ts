import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

import { createHandler } from '../src/handlers/health';
import { clearSecretsCache } from '../src/lib/secrets';
import { SECRET_ARNS, TABLES, awsError, baseEnv, call, world } from './helpers/fakes';

function setup(env = baseEnv()) {
  const w = world(env);
  w.secrets.secrets.set(SECRET_ARNS.binance, '{"api_key":"binance-key-value","api_secret":"binance-secret-value"}');
  w.secrets.secrets.set(SECRET_ARNS.kraken, null);
  w.secrets.secrets.set(SECRET_ARNS.openai, 'openai-key-value');
  return { w, handler: createHandler(w.deps) };
}

beforeEach(() => clearSecretsCache());

describe('GET /health', () => {
  it('reports ok, the environment, the function version and each secret status', async () => {
    const { w, handler } = setup();
    const answer = await call(handler, 'GET', '/health');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {
      status: 'ok',
      environment: 'test',
      functionVersion: '7',
      checks: { dynamodb: 'ok', redis: 'ok' },
      secrets: { binance: 'readable', kraken: 'empty', openai: 'readable' },
    });
    assert.deepEqual(w.db.callsOf('GetCommand'), [{ TableName: TABLES.TABLE_AUDIT_LOG, Key: { id: '__health__' } }]);
    assert.deepEqual(w.redis.commands, ['PING']);
    assert.doesNotMatch(answer.raw.body, /key-value|secret-value/);
    assert.doesNotMatch(JSON.stringify(w.logs), /key-value|secret-value/);
  });

  it('reads the secrets afresh on every request', async () => {
    const { w, handler } = setup();
    assert.equal((await call(handler, 'GET', '/health')).body.secrets.kraken, 'empty');
    w.secrets.secrets.set(SECRET_ARNS.kraken, '{"api_key":"k","api_secret":"s"}');
    assert.equal((await call(handler, 'GET', '/health')).body.secrets.kraken, 'readable');
  });

  it('tells an empty secret from a missing or forbidden one, and a blank value is empty', async () => {
    const { w, handler } = setup();
    w.secrets.secrets.delete(SECRET_ARNS.binance); // the secret does not exist at all
    w.secrets.secrets.set(SECRET_ARNS.kraken, '{"api_key":"","api_secret":""}');
    w.secrets.secrets.set(SECRET_ARNS.openai, awsError('AccessDeniedException', 'not allowed'));
    const answer = await call(handler, 'GET', '/health');
    assert.deepEqual(answer.body.secrets, { binance: 'unreadable', kraken: 'empty', openai: 'unreadable' });
    assert.equal(answer.body.status, 'degraded');
  });

  it('reports degraded with the reason when Redis or DynamoDB fail', async () => {
    const { w, handler } = setup();
    w.redis.failing.add('CONNECT');
    w.db.failNext('GetCommand', awsError('ResourceNotFoundException', 'Requested resource not found'));
    const answer = await call(handler, 'GET', '/health');
    assert.equal(answer.status, 200);
    assert.equal(answer.body.status, 'degraded');
    assert.deepEqual(answer.body.checks, {
      dynamodb: 'error: ResourceNotFoundException: Requested resource not found',
      redis: 'error: connect ECONNREFUSED 10.0.0.1:6379',
    });
  });

  it('answers within about 2 s when Redis hangs', async () => {
    const { w, handler } = setup();
    w.redis.hang = true;
    const started = Date.now();
    const answer = await call(handler, 'GET', '/health');
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2000, `took ${elapsed} ms`);
    assert.equal(answer.body.status, 'degraded');
    assert.match(answer.body.checks.redis, /^error: TimeoutError: redis timed out/);
  });

  it('reports functionVersion "unknown" and no secrets when there are none', async () => {
    const env = { ...baseEnv(), AWS_LAMBDA_FUNCTION_VERSION: undefined, SECRET_ARNS: undefined };
    const { handler } = setup(env);
    const answer = await call(handler, 'GET', '/health');
    assert.equal(answer.body.functionVersion, 'unknown');
    assert.deepEqual(answer.body.secrets, {});
    assert.equal(answer.body.status, 'ok');
  });

  for (const variable of ['ACINACES_ENVIRONMENT', 'TABLE_AUDIT_LOG', 'REDIS_URL']) {
    it(`answers 500 naming ${variable} when it is missing`, async () => {
      const { handler } = setup({ ...baseEnv(), [variable]: undefined });
      const answer = await call(handler, 'GET', '/health');
      assert.equal(answer.status, 500);
      assert.equal(answer.body.message, `missing configuration: ${variable} is not set`);
    });
  }

  it('answers only GET (and OPTIONS)', async () => {
    const { handler } = setup();
    assert.equal((await call(handler, 'POST', '/health')).status, 405);
    assert.equal((await call(handler, 'OPTIONS', '/health')).status, 204);
    assert.equal((await call(handler, 'OPTIONS', '/health')).headers['Access-Control-Allow-Methods'], 'GET,OPTIONS');
  });
});
