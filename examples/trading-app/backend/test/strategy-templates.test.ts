import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createHandler } from '../src/handlers/strategy-templates';
import { TABLES, awsError, baseEnv, call, world } from './helpers/fakes';

const T = TABLES.TABLE_STRATEGY_TEMPLATES;
const AUDIT = TABLES.TABLE_AUDIT_LOG;

const momentum = {
  name: 'Momentum',
  description: 'Buys strength',
  parameters: {
    lookback: { type: 'number', default: 14 },
    asset: { type: 'string' },
    aiAssisted: { type: 'boolean', default: false, description: 'ask the model first' },
  },
};

function setup(env = baseEnv()) {
  const w = world(env);
  return { w, handler: createHandler(w.deps) };
}

describe('POST /strategy-templates', () => {
  it('creates the template (201, with id and runId) and its audit entry in one transaction', async () => {
    const { w, handler } = setup();
    const answer = await call(handler, 'POST', '/strategy-templates', { body: momentum, headers: { 'X-Run-Id': 'run-1' } });
    assert.equal(answer.status, 201);
    assert.equal(answer.headers.Location, '/strategy-templates/id-1');
    assert.deepEqual(answer.body, {
      id: 'id-1',
      ...momentum,
      runId: 'run-1',
      createdAt: '2030-01-02T03:04:06.000Z',
      updatedAt: '2030-01-02T03:04:06.000Z',
    });
    assert.deepEqual(w.db.get(T, 'id-1'), answer.body);

    const [transaction] = w.db.callsOf('TransactWriteCommand');
    assert.equal(transaction?.TransactItems.length, 2);
    assert.equal(transaction?.TransactItems[0].Put.TableName, T);
    assert.equal(transaction?.TransactItems[0].Put.ConditionExpression, 'attribute_not_exists(id)');
    assert.equal(transaction?.TransactItems[1].Put.TableName, AUDIT);
    assert.deepEqual(w.db.items(AUDIT), [
      {
        id: 'id-2',
        action: 'create',
        entityType: 'strategy-template',
        entityId: 'id-1',
        runId: 'run-1',
        at: '2030-01-02T03:04:07.000Z',
      },
    ]);
  });

  it('stores no runId when the request has none; description defaults to ""', async () => {
    const { w, handler } = setup();
    const answer = await call(handler, 'POST', '/strategy-templates', { body: { name: 'Plain', parameters: {} } });
    assert.equal(answer.status, 201);
    assert.equal(answer.body.description, '');
    assert.equal('runId' in answer.body, false);
    assert.equal('runId' in (w.db.items(AUDIT)[0] ?? {}), false);
  });

  const invalid: [string, unknown, string][] = [
    ['name missing', { parameters: {} }, 'name'],
    ['name blank', { name: '  ', parameters: {} }, 'name'],
    ['name not a string', { name: 5, parameters: {} }, 'name'],
    ['name too long', { name: 'x'.repeat(101), parameters: {} }, 'name'],
    ['description not a string', { name: 'a', description: 1, parameters: {} }, 'description'],
    ['parameters missing', { name: 'a' }, 'parameters'],
    ['parameters an array', { name: 'a', parameters: [] }, 'parameters'],
    ['parameter not an object', { name: 'a', parameters: { x: 'number' } }, 'parameters.x'],
    ['parameter bad name', { name: 'a', parameters: { '1x': { type: 'number' } } }, 'parameters.1x'],
    ['parameter type unknown', { name: 'a', parameters: { x: { type: 'date' } } }, 'parameters.x.type'],
    ['parameter default of the wrong type', { name: 'a', parameters: { x: { type: 'number', default: '3' } } }, 'parameters.x.default'],
    ['parameter with an unknown key', { name: 'a', parameters: { x: { type: 'number', min: 1 } } }, 'parameters.x.min'],
    ['runId invalid', { name: 'a', parameters: {}, runId: 'has space' }, 'runId'],
  ];
  for (const [label, body, field] of invalid) {
    it(`answers 400 naming the field: ${label}`, async () => {
      const { w, handler } = setup();
      const answer = await call(handler, 'POST', '/strategy-templates', { body });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.field, field);
      assert.ok(answer.body.message.startsWith(`${field}: `), answer.body.message);
      assert.equal(w.db.calls.length, 0, 'nothing is written');
    });
  }

  it('answers 500 naming TABLE_STRATEGY_TEMPLATES or TABLE_AUDIT_LOG when missing', async () => {
    const noTable = setup({ ...baseEnv(), TABLE_STRATEGY_TEMPLATES: undefined });
    const first = await call(noTable.handler, 'POST', '/strategy-templates', { body: momentum });
    assert.equal(first.status, 500);
    assert.match(first.body.message, /TABLE_STRATEGY_TEMPLATES/);
    const noAudit = setup({ ...baseEnv(), TABLE_AUDIT_LOG: '' });
    const second = await call(noAudit.handler, 'POST', '/strategy-templates', { body: momentum });
    assert.equal(second.status, 500);
    assert.match(second.body.message, /TABLE_AUDIT_LOG/);
    assert.equal(noAudit.w.db.items(T).length, 0);
  });

  it('answers 500 with the error name (no message) when DynamoDB fails', async () => {
    const { w, handler } = setup();
    w.db.failNext('TransactWriteCommand', awsError('AccessDeniedException', 'User arn:aws:iam::123:role/x is not authorized'));
    const answer = await call(handler, 'POST', '/strategy-templates', { body: momentum });
    assert.equal(answer.status, 500);
    assert.equal(answer.body.message, 'internal error: AccessDeniedException');
    assert.doesNotMatch(answer.raw.body, /arn:aws/);
  });
});

describe('GET /strategy-templates', () => {
  it('lists newest first, filters by ?runId= and honours ?limit=', async () => {
    const { w, handler } = setup();
    for (const runId of ['run-a', 'run-b', 'run-a']) {
      await call(handler, 'POST', '/strategy-templates', { body: { ...momentum, runId } });
    }
    const all = await call(handler, 'GET', '/strategy-templates');
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.body.items.map((item: { id: string }) => item.id),
      ['id-5', 'id-3', 'id-1'],
    );
    assert.equal(all.body.count, 3);

    const runA = await call(handler, 'GET', '/strategy-templates', { query: { runId: 'run-a' } });
    assert.deepEqual(
      runA.body.items.map((item: { id: string }) => item.id),
      ['id-5', 'id-1'],
    );
    const scan = w.db.callsOf('ScanCommand').at(-1);
    assert.equal(scan?.FilterExpression, '#f0 = :f0');
    assert.deepEqual(scan?.ExpressionAttributeNames, { '#f0': 'runId' });
    assert.deepEqual(scan?.ExpressionAttributeValues, { ':f0': 'run-a' });

    const limited = await call(handler, 'GET', '/strategy-templates', { query: { limit: '1' } });
    assert.equal(limited.body.items.length, 1);
    assert.equal((await call(handler, 'GET', '/strategy-templates', { query: { limit: '0' } })).body.field, 'limit');
  });

  it('follows scan pages', async () => {
    const { w, handler } = setup();
    w.db.pageSize = 2;
    for (let i = 0; i < 5; i++) await call(handler, 'POST', '/strategy-templates', { body: momentum });
    const all = await call(handler, 'GET', '/strategy-templates');
    assert.equal(all.body.count, 5);
    assert.equal(w.db.callsOf('ScanCommand').length, 3);
  });
});

describe('GET and DELETE /strategy-templates/{id}', () => {
  it('gets one, 404 when absent, 400 for an invalid id', async () => {
    const { handler } = setup();
    await call(handler, 'POST', '/strategy-templates', { body: momentum });
    const one = await call(handler, 'GET', '/strategy-templates/id-1');
    assert.equal(one.status, 200);
    assert.equal(one.body.name, 'Momentum');
    const missing = await call(handler, 'GET', '/strategy-templates/nope');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { message: 'strategy template nope not found' });
    assert.equal((await call(handler, 'GET', '/strategy-templates/bad%20id')).body.field, 'id');
  });

  it('deletes (204, audited with the run id), then 404 and no audit entry', async () => {
    const { w, handler } = setup();
    await call(handler, 'POST', '/strategy-templates', { body: momentum });
    const deleted = await call(handler, 'DELETE', '/strategy-templates/id-1', { headers: { 'X-Run-Id': 'run-7' } });
    assert.equal(deleted.status, 204);
    assert.equal(deleted.raw.body, '');
    assert.equal(w.db.get(T, 'id-1'), undefined);
    const audit = w.db.items(AUDIT).find((entry) => entry.action === 'delete');
    assert.deepEqual(audit, {
      id: 'id-3',
      action: 'delete',
      entityType: 'strategy-template',
      entityId: 'id-1',
      runId: 'run-7',
      at: audit?.at,
    });

    const again = await call(handler, 'DELETE', '/strategy-templates/id-1');
    assert.equal(again.status, 404);
    assert.equal(w.db.items(AUDIT).length, 2, 'a failed delete writes no audit entry');
  });
});
