import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createHandler } from '../src/handlers/audit-log';
import { createHandler as templatesHandler } from '../src/handlers/strategy-templates';
import { TABLES, call, world } from './helpers/fakes';

const AUDIT = TABLES.TABLE_AUDIT_LOG;

function entry(id: string, runId: string | undefined, at: string) {
  return {
    id,
    action: 'create',
    entityType: 'strategy',
    entityId: `s-${id}`,
    ...(runId ? { runId } : {}),
    at,
  };
}

function setup() {
  const w = world();
  return { w, handler: createHandler(w.deps) };
}

describe('GET /audit-log', () => {
  it('lists the entries of a run, newest first', async () => {
    const { w, handler } = setup();
    w.db.seed(
      AUDIT,
      entry('a', 'run-1', '2030-01-01T00:00:02.000Z'),
      entry('b', 'run-2', '2030-01-01T00:00:03.000Z'),
      entry('c', 'run-1', '2030-01-01T00:00:05.000Z'),
      entry('d', 'run-1', '2030-01-01T00:00:01.000Z'),
    );
    const answer = await call(handler, 'GET', '/audit-log', { query: { runId: 'run-1' } });
    assert.equal(answer.status, 200);
    assert.deepEqual(
      answer.body.items.map((item: { id: string }) => item.id),
      ['c', 'a', 'd'],
    );
    assert.equal(answer.body.count, 3);
    const all = await call(handler, 'GET', '/audit-log', { query: { limit: '2' } });
    assert.deepEqual(
      all.body.items.map((item: { id: string }) => item.id),
      ['c', 'b'],
    );
  });

  it('shows the entries the other handlers write', async () => {
    const w = world();
    const templates = templatesHandler(w.deps);
    const audit = createHandler(w.deps);
    await call(templates, 'POST', '/strategy-templates', { body: { name: 'x', parameters: {} }, headers: { 'X-Run-Id': 'r' } });
    await call(templates, 'DELETE', '/strategy-templates/id-1', { headers: { 'X-Run-Id': 'r' } });
    const answer = await call(audit, 'GET', '/audit-log', { query: { runId: 'r' } });
    assert.deepEqual(
      answer.body.items.map((item: { action: string; entityType: string; entityId: string }) => [
        item.action,
        item.entityType,
        item.entityId,
      ]),
      [
        ['delete', 'strategy-template', 'id-1'],
        ['create', 'strategy-template', 'id-1'],
      ],
    );
  });

  it('answers 400 for an invalid runId filter', async () => {
    const { handler } = setup();
    const answer = await call(handler, 'GET', '/audit-log', { query: { runId: 'no spaces allowed' } });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.field, 'runId');
  });
});

describe('DELETE /audit-log', () => {
  it('requires runId', async () => {
    const { w, handler } = setup();
    const answer = await call(handler, 'DELETE', '/audit-log');
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, { message: 'runId: is required (query parameter ?runId=)', field: 'runId' });
    assert.equal(w.db.calls.length, 0);
  });

  it("removes exactly that run's entries, across scan pages and batches, retrying unprocessed ones", async () => {
    const { w, handler } = setup();
    for (let i = 0; i < 60; i++) {
      w.db.seed(AUDIT, entry(`e${String(i).padStart(2, '0')}`, i % 3 === 0 ? 'other' : 'run-x', '2030-01-01T00:00:00.000Z'));
    }
    w.db.pageSize = 7;
    w.db.unprocessedOnce = 3;
    const answer = await call(handler, 'DELETE', '/audit-log', { query: { runId: 'run-x' } });
    assert.equal(answer.status, 204);
    const left = w.db.items(AUDIT);
    assert.equal(left.length, 20);
    assert.ok(left.every((item) => item.runId === 'other'));
    const batches = w.db.callsOf('BatchWriteCommand');
    assert.ok(batches.every((batch) => batch.RequestItems[AUDIT].length <= 25));
    assert.equal(batches.length, 3, '40 deletes: 25 + 15, and one retry of 3 unprocessed');
  });

  it('answers 204 when the run has no entries', async () => {
    const { w, handler } = setup();
    assert.equal((await call(handler, 'DELETE', '/audit-log', { query: { runId: 'none' } })).status, 204);
    assert.equal(w.db.callsOf('BatchWriteCommand').length, 0);
  });
});
