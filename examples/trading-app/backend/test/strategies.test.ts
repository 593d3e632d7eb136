import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

import { createHandler } from '../src/handlers/strategies';
import { clearSecretsCache } from '../src/lib/secrets';
import { SECRET_ARNS, TABLES, awsError, baseEnv, call, world } from './helpers/fakes';

const S = TABLES.TABLE_STRATEGIES;
const AUDIT = TABLES.TABLE_AUDIT_LOG;

const template = {
  id: 'tpl-1',
  name: 'Momentum',
  description: '',
  parameters: {
    lookback: { type: 'number', default: 14 },
    asset: { type: 'string' },
    aiAssisted: { type: 'boolean', default: false },
  },
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
};

function setup(env = baseEnv()) {
  const w = world(env);
  w.db.seed(TABLES.TABLE_STRATEGY_TEMPLATES, template);
  return { w, handler: createHandler(w.deps) };
}

beforeEach(() => clearSecretsCache());

describe('POST /strategies', () => {
  it('creates a strategy from a template, filling in defaults, with its audit entry', async () => {
    const { w, handler } = setup();
    const answer = await call(handler, 'POST', '/strategies', {
      body: { templateId: 'tpl-1', name: 'BTC momentum', parameters: { asset: 'BTC', lookback: 21 }, runId: 'run-1' },
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, {
      id: 'id-1',
      templateId: 'tpl-1',
      name: 'BTC momentum',
      parameters: { lookback: 21, asset: 'BTC', aiAssisted: false },
      runId: 'run-1',
      createdAt: answer.body.createdAt,
      updatedAt: answer.body.createdAt,
    });
    assert.deepEqual(w.db.get(S, 'id-1'), answer.body);
    assert.deepEqual(
      w.db.items(AUDIT).map(({ action, entityType, entityId, runId }) => ({ action, entityType, entityId, runId })),
      [{ action: 'create', entityType: 'strategy', entityId: 'id-1', runId: 'run-1' }],
    );
    assert.deepEqual(w.db.callsOf('GetCommand')[0], { TableName: TABLES.TABLE_STRATEGY_TEMPLATES, Key: { id: 'tpl-1' } });
  });

  it('answers 404 when the template does not exist, and writes nothing', async () => {
    const { w, handler } = setup();
    const answer = await call(handler, 'POST', '/strategies', { body: { templateId: 'tpl-x', name: 'a', parameters: {} } });
    assert.equal(answer.status, 404);
    assert.equal(answer.body.message, 'strategy template tpl-x not found');
    assert.equal(w.db.callsOf('TransactWriteCommand').length, 0);
  });

  const invalid: [string, Record<string, unknown>, string, RegExp][] = [
    ['undeclared parameter', { asset: 'BTC', stopLoss: 3 }, 'parameters.stopLoss', /not a parameter of strategy template tpl-1/],
    ['number given a string', { asset: 'BTC', lookback: '14' }, 'parameters.lookback', /must be a number/],
    ['string given a number', { asset: 7 }, 'parameters.asset', /must be a string/],
    ['boolean given a string', { asset: 'BTC', aiAssisted: 'yes' }, 'parameters.aiAssisted', /must be a boolean/],
    ['required parameter missing', { lookback: 3 }, 'parameters.asset', /is required/],
  ];
  for (const [label, parameters, field, message] of invalid) {
    it(`answers 400 for ${label}, naming ${field}`, async () => {
      const { w, handler } = setup();
      const answer = await call(handler, 'POST', '/strategies', { body: { templateId: 'tpl-1', name: 'a', parameters } });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.field, field);
      assert.match(answer.body.message, message);
      assert.equal(w.db.items(S).length, 0);
    });
  }

  it('answers 400 for missing templateId and name before reading anything', async () => {
    const { w, handler } = setup();
    assert.equal((await call(handler, 'POST', '/strategies', { body: { name: 'a' } })).body.field, 'templateId');
    assert.equal((await call(handler, 'POST', '/strategies', { body: { templateId: 'tpl-1' } })).body.field, 'name');
    assert.equal((await call(handler, 'POST', '/strategies', { body: { templateId: 'a b', name: 'a' } })).body.field, 'templateId');
    assert.equal(
      (await call(handler, 'POST', '/strategies', { body: { templateId: 'tpl-1', name: 'a', parameters: 3 } })).body.field,
      'parameters',
    );
    assert.equal(w.db.callsOf('TransactWriteCommand').length, 0);
  });
});

describe('GET /strategies/{id}', () => {
  it('reports the credentials with a readable value by name, never their values', async () => {
    const { w, handler } = setup();
    w.secrets.secrets.set(SECRET_ARNS.binance, '{"api_key":"AKIA-binance-key","api_secret":"s3cr3t"}');
    w.secrets.secrets.set(SECRET_ARNS.kraken, null); // no value yet
    w.secrets.secrets.set(SECRET_ARNS.openai, 'sk-openai-value');
    await call(handler, 'POST', '/strategies', { body: { templateId: 'tpl-1', name: 'a', parameters: { asset: 'ETH' } } });

    const answer = await call(handler, 'GET', '/strategies/id-1');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.credentialsConfigured, ['binance', 'openai']);
    assert.doesNotMatch(answer.raw.body, /AKIA|s3cr3t|sk-openai/);
    assert.doesNotMatch(JSON.stringify(w.logs), /AKIA|s3cr3t|sk-openai/);
  });

  it('caches secrets per container, and reads afresh when SECRETS_REFRESH_MARKER changes', async () => {
    const env = { ...baseEnv(), SECRETS_REFRESH_MARKER: 'r1' };
    const { w, handler } = setup(env);
    w.secrets.secrets.set(SECRET_ARNS.binance, 'v1');
    w.secrets.secrets.set(SECRET_ARNS.kraken, null);
    w.secrets.secrets.set(SECRET_ARNS.openai, awsError('AccessDeniedException', 'denied'));
    w.db.seed(S, { id: 's-1', templateId: 'tpl-1', name: 'a', parameters: {} });

    assert.deepEqual((await call(handler, 'GET', '/strategies/s-1')).body.credentialsConfigured, ['binance']);
    assert.equal(w.secrets.reads().length, 3);
    w.secrets.secrets.set(SECRET_ARNS.kraken, 'now set');
    assert.deepEqual((await call(handler, 'GET', '/strategies/s-1')).body.credentialsConfigured, ['binance']);
    assert.equal(w.secrets.reads().length, 3, 'second request served from the cache');

    env.SECRETS_REFRESH_MARKER = 'r2';
    assert.deepEqual((await call(handler, 'GET', '/strategies/s-1')).body.credentialsConfigured, ['binance', 'kraken']);
    assert.equal(w.secrets.reads().length, 6, 'a new marker reads every secret again');
  });

  it('answers 404 for an unknown strategy and 500 for an invalid SECRET_ARNS', async () => {
    const { handler } = setup();
    assert.equal((await call(handler, 'GET', '/strategies/nope')).status, 404);
    const broken = setup({ ...baseEnv(), SECRET_ARNS: '{not json' });
    const answer = await call(broken.handler, 'GET', '/strategies/nope');
    assert.equal(answer.status, 500);
    assert.match(answer.body.message, /SECRET_ARNS/);
  });
});

describe('GET /strategies and DELETE /strategies/{id}', () => {
  it('lists by run and deletes with an audit entry', async () => {
    const { w, handler } = setup();
    const body = { templateId: 'tpl-1', name: 'a', parameters: { asset: 'ETH' } };
    await call(handler, 'POST', '/strategies', { body, headers: { 'X-Run-Id': 'run-1' } });
    await call(handler, 'POST', '/strategies', { body, headers: { 'X-Run-Id': 'run-2' } });
    const listed = await call(handler, 'GET', '/strategies', { query: { runId: 'run-2' } });
    assert.deepEqual(
      listed.body.items.map((item: { id: string; runId: string }) => [item.id, item.runId]),
      [['id-3', 'run-2']],
    );

    assert.equal((await call(handler, 'DELETE', '/strategies/id-3', { headers: { 'X-Run-Id': 'run-2' } })).status, 204);
    assert.equal((await call(handler, 'DELETE', '/strategies/id-3')).status, 404);
    assert.deepEqual(
      w.db.items(AUDIT).map((entry) => `${entry.action} ${entry.entityId} ${entry.runId}`),
      ['create id-1 run-1', 'create id-3 run-2', 'delete id-3 run-2'],
    );
  });
});
