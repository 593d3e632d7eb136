import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createHandler } from '../src/handlers/risk-profiles';
import { TABLES, call, world } from './helpers/fakes';

const R = TABLES.TABLE_RISK_PROFILES;
const AUDIT = TABLES.TABLE_AUDIT_LOG;
const limits = { maxPositionSize: 1000, maxDailyLoss: 250.5, maxLeverage: 3 };

function setup() {
  const w = world();
  return { w, handler: createHandler(w.deps) };
}

describe('PUT /risk-profiles/{id}', () => {
  it('creates (200, audited as create), then replaces (audited as update, createdAt kept)', async () => {
    const { w, handler } = setup();
    const created = await call(handler, 'PUT', '/risk-profiles/conservative', { body: limits, headers: { 'X-Run-Id': 'run-1' } });
    assert.equal(created.status, 200);
    assert.deepEqual(created.body, {
      id: 'conservative',
      ...limits,
      runId: 'run-1',
      createdAt: '2030-01-02T03:04:06.000Z',
      updatedAt: '2030-01-02T03:04:06.000Z',
    });

    const replaced = await call(handler, 'PUT', '/risk-profiles/conservative', {
      body: { ...limits, maxLeverage: 100, runId: 'run-2' },
    });
    assert.equal(replaced.status, 200);
    assert.equal(replaced.body.maxLeverage, 100);
    assert.equal(replaced.body.runId, 'run-2');
    assert.equal(replaced.body.createdAt, created.body.createdAt);
    assert.notEqual(replaced.body.updatedAt, created.body.updatedAt);
    assert.deepEqual(w.db.get(R, 'conservative'), replaced.body);

    const put = w.db.callsOf('TransactWriteCommand')[1]?.TransactItems[0].Put;
    assert.equal(put.ConditionExpression, 'attribute_exists(id) AND #updatedAt = :updatedAt');
    assert.deepEqual(put.ExpressionAttributeValues, { ':updatedAt': created.body.updatedAt });
    assert.deepEqual(
      w.db.items(AUDIT).map((entry) => `${entry.action} ${entry.entityType} ${entry.entityId} ${entry.runId}`),
      ['create risk-profile conservative run-1', 'update risk-profile conservative run-2'],
    );
  });

  it('answers 409 when the profile changed between read and write, and writes nothing', async () => {
    const { w, handler } = setup();
    await call(handler, 'PUT', '/risk-profiles/p1', { body: limits });
    w.db.beforeSend = (command) => {
      if (command === 'TransactWriteCommand') {
        w.db.seed(R, { ...(w.db.get(R, 'p1') as { id: string }), updatedAt: '2031-01-01T00:00:00.000Z' });
      }
    };
    const answer = await call(handler, 'PUT', '/risk-profiles/p1', { body: limits });
    assert.equal(answer.status, 409);
    assert.match(answer.body.message, /risk profile p1 was changed by another request/);
    assert.equal(w.db.items(AUDIT).length, 1);
  });

  it('answers 409 when the profile was created concurrently', async () => {
    const { w, handler } = setup();
    w.db.beforeSend = (command) => {
      if (command === 'TransactWriteCommand') w.db.seed(R, { id: 'p2', ...limits, updatedAt: 'x' });
    };
    const answer = await call(handler, 'PUT', '/risk-profiles/p2', { body: limits });
    assert.equal(answer.status, 409);
    assert.match(answer.body.message, /already exists/);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['maxPositionSize missing', { maxDailyLoss: 1, maxLeverage: 1 }, 'maxPositionSize'],
    ['maxPositionSize zero', { ...limits, maxPositionSize: 0 }, 'maxPositionSize'],
    ['maxPositionSize a string', { ...limits, maxPositionSize: '10' }, 'maxPositionSize'],
    ['maxDailyLoss negative', { ...limits, maxDailyLoss: -5 }, 'maxDailyLoss'],
    ['maxLeverage below 1', { ...limits, maxLeverage: 0.5 }, 'maxLeverage'],
    ['maxLeverage above 100', { ...limits, maxLeverage: 101 }, 'maxLeverage'],
    ['maxLeverage null', { ...limits, maxLeverage: null }, 'maxLeverage'],
  ];
  for (const [label, body, field] of invalid) {
    it(`answers 400 naming ${field}: ${label}`, async () => {
      const { w, handler } = setup();
      const answer = await call(handler, 'PUT', '/risk-profiles/p1', { body });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.field, field);
      assert.equal(w.db.calls.length, 0);
    });
  }

  it('accepts the boundaries 1 and 100 for maxLeverage', async () => {
    const { handler } = setup();
    assert.equal((await call(handler, 'PUT', '/risk-profiles/a', { body: { ...limits, maxLeverage: 1 } })).status, 200);
    assert.equal((await call(handler, 'PUT', '/risk-profiles/b', { body: { ...limits, maxLeverage: 100 } })).status, 200);
  });

  it('answers 405 for POST on the collection (profiles are created with PUT)', async () => {
    const { handler } = setup();
    const answer = await call(handler, 'POST', '/risk-profiles', { body: limits });
    assert.equal(answer.status, 405);
    assert.equal(answer.headers.Allow, 'GET,OPTIONS');
  });
});

describe('GET and DELETE /risk-profiles', () => {
  it('gets, lists, deletes (audited) and answers 404 afterwards', async () => {
    const { w, handler } = setup();
    await call(handler, 'PUT', '/risk-profiles/a', { body: limits, headers: { 'X-Run-Id': 'run-1' } });
    await call(handler, 'PUT', '/risk-profiles/b', { body: limits, headers: { 'X-Run-Id': 'run-2' } });
    assert.equal((await call(handler, 'GET', '/risk-profiles/a')).body.maxDailyLoss, 250.5);
    const listed = await call(handler, 'GET', '/risk-profiles', { query: { runId: 'run-1' } });
    assert.deepEqual(
      listed.body.items.map((item: { id: string }) => item.id),
      ['a'],
    );
    assert.equal((await call(handler, 'DELETE', '/risk-profiles/a')).status, 204);
    assert.equal((await call(handler, 'GET', '/risk-profiles/a')).status, 404);
    assert.equal((await call(handler, 'DELETE', '/risk-profiles/a')).status, 404);
    assert.deepEqual(
      w.db.items(AUDIT).map((entry) => `${entry.action} ${entry.entityId}`),
      ['create a', 'create b', 'delete a'],
    );
  });
});
