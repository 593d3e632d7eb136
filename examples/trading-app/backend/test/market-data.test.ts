import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { createHandler } from '../src/handlers/market-data';
import { TABLES, awsError, baseEnv, call, world } from './helpers/fakes';

const M = TABLES.TABLE_MARKET_SUBSCRIPTIONS;
const AUDIT = TABLES.TABLE_AUDIT_LOG;
const PATH = '/market-data/subscriptions';

function setup(env = baseEnv()) {
  const w = world(env);
  return { w, handler: createHandler(w.deps) };
}

describe('POST /market-data/subscriptions', () => {
  it('stores the subscription, audits it, SETs its key and PUBLISHes it', async () => {
    const { w, handler } = setup();
    const answer = await call(handler, 'POST', PATH, {
      body: { exchange: 'Kraken', symbol: 'btc-eur' },
      headers: { 'X-Run-Id': 'run-1' },
    });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const subscription = {
      id: 'id-1',
      exchange: 'kraken',
      symbol: 'BTC-EUR',
      runId: 'run-1',
      createdAt: '2030-01-02T03:04:06.000Z',
      updatedAt: '2030-01-02T03:04:06.000Z',
    };
    assert.deepEqual(answer.body, subscription);
    assert.equal(answer.headers.Location, `${PATH}/id-1`);
    assert.deepEqual(w.db.get(M, 'id-1'), subscription);
    assert.deepEqual(w.redis.urls, ['redis://redis.test:6379']);
    assert.deepEqual(w.redis.commands, ['SET', 'PUBLISH']);
    assert.deepEqual(JSON.parse(w.redis.values.get('market-data:subscription:id-1') as string), subscription);
    assert.deepEqual(w.redis.published, [
      { channel: 'market-data:subscriptions', message: { action: 'subscribe', subscription } },
    ]);
    assert.deepEqual(
      w.db.items(AUDIT).map((entry) => `${entry.action} ${entry.entityType} ${entry.entityId} ${entry.runId}`),
      ['create market-subscription id-1 run-1'],
    );
  });

  it('accepts each of the eight exchanges', async () => {
    const { handler } = setup();
    for (const exchange of ['binance', 'coinbase', 'kraken', 'okx', 'bsdex', 'bison', 'finoa', 'bybit']) {
      assert.equal((await call(handler, 'POST', PATH, { body: { exchange, symbol: 'ETH-USDT' } })).status, 201, exchange);
    }
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['unknown exchange', { exchange: 'mtgox', symbol: 'BTC-EUR' }, 'exchange'],
    ['exchange missing', { symbol: 'BTC-EUR' }, 'exchange'],
    ['symbol without quote', { exchange: 'okx', symbol: 'BTC' }, 'symbol'],
    ['symbol with a slash', { exchange: 'okx', symbol: 'BTC/EUR' }, 'symbol'],
    ['symbol not a string', { exchange: 'okx', symbol: 42 }, 'symbol'],
  ];
  for (const [label, body, field] of invalid) {
    it(`answers 400 naming ${field}: ${label}`, async () => {
      const { w, handler } = setup();
      const answer = await call(handler, 'POST', PATH, { body });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.field, field);
      assert.equal(w.db.calls.length + w.redis.commands.length, 0);
    });
  }

  it('answers 503 and stores nothing when Redis is unreachable', async () => {
    const { w, handler } = setup();
    w.redis.failing.add('CONNECT');
    const answer = await call(handler, 'POST', PATH, { body: { exchange: 'okx', symbol: 'BTC-EUR' } });
    assert.equal(answer.status, 503);
    assert.match(answer.body.message, /redis unavailable .*ECONNREFUSED.*nothing was changed/);
    assert.equal(w.db.calls.length, 0);
  });

  it('takes the subscription and its audit entry back when the announcement fails', async () => {
    const { w, handler } = setup();
    w.redis.failing.add('PUBLISH');
    const answer = await call(handler, 'POST', PATH, { body: { exchange: 'okx', symbol: 'BTC-EUR' } });
    assert.equal(answer.status, 503);
    assert.match(answer.body.message, /the subscription was not created/);
    assert.deepEqual(w.db.items(M), []);
    assert.deepEqual(w.db.items(AUDIT), []);
    assert.equal(w.redis.values.size, 0, 'the key set before the failure is removed');
  });

  it('answers 500 naming REDIS_URL when it is not set', async () => {
    const { handler } = setup({ ...baseEnv(), REDIS_URL: undefined });
    const answer = await call(handler, 'POST', PATH, { body: { exchange: 'okx', symbol: 'BTC-EUR' } });
    assert.equal(answer.status, 500);
    assert.match(answer.body.message, /REDIS_URL/);
  });
});

describe('GET and DELETE /market-data/subscriptions', () => {
  it('lists and gets subscriptions', async () => {
    const { handler } = setup();
    await call(handler, 'POST', PATH, { body: { exchange: 'okx', symbol: 'BTC-EUR', runId: 'r1' } });
    await call(handler, 'POST', PATH, { body: { exchange: 'bybit', symbol: 'ETH-EUR', runId: 'r2' } });
    const listed = await call(handler, 'GET', PATH, { query: { runId: 'r2' } });
    assert.deepEqual(
      listed.body.items.map((item: { exchange: string }) => item.exchange),
      ['bybit'],
    );
    assert.equal((await call(handler, 'GET', `${PATH}/id-1`)).body.symbol, 'BTC-EUR');
    assert.equal((await call(handler, 'GET', `${PATH}/id-9`)).status, 404);
  });

  it('deletes: DEL of the key, the item and an audit entry, then an unsubscribe announcement', async () => {
    const { w, handler } = setup();
    await call(handler, 'POST', PATH, { body: { exchange: 'okx', symbol: 'BTC-EUR' } });
    const answer = await call(handler, 'DELETE', `${PATH}/id-1`, { headers: { 'X-Run-Id': 'run-3' } });
    assert.equal(answer.status, 204);
    assert.equal(w.redis.values.has('market-data:subscription:id-1'), false);
    assert.deepEqual(w.redis.commands, ['SET', 'PUBLISH', 'DEL', 'PUBLISH']);
    const { subscription } = w.redis.published[0]?.message as { subscription: unknown };
    assert.deepEqual(w.redis.published.at(-1), {
      channel: 'market-data:subscriptions',
      message: { action: 'unsubscribe', subscription },
    });
    assert.equal(w.db.get(M, 'id-1'), undefined);
    assert.equal(w.db.items(AUDIT).find((entry) => entry.action === 'delete')?.runId, 'run-3');
    assert.equal((await call(handler, 'DELETE', `${PATH}/id-1`)).status, 404);
  });

  it('changes nothing when the key cannot be deleted (the request can be repeated)', async () => {
    const { w, handler } = setup();
    await call(handler, 'POST', PATH, { body: { exchange: 'okx', symbol: 'BTC-EUR' } });
    w.redis.failing.add('DEL');
    const answer = await call(handler, 'DELETE', `${PATH}/id-1`);
    assert.equal(answer.status, 503);
    assert.ok(w.db.get(M, 'id-1'));
    assert.equal(w.db.items(AUDIT).length, 1);
  });

  it('still answers 204 when only the unsubscribe announcement fails (logged)', async () => {
    const { w, handler } = setup();
    await call(handler, 'POST', PATH, { body: { exchange: 'okx', symbol: 'BTC-EUR' } });
    w.redis.failing.add('PUBLISH');
    assert.equal((await call(handler, 'DELETE', `${PATH}/id-1`)).status, 204);
    assert.ok(w.logs.some((entry) => entry.message === 'unsubscribe announcement failed'));
  });

  it('answers 500 when the table is missing in DynamoDB', async () => {
    const { w, handler } = setup();
    w.db.failNext('ScanCommand', awsError('ResourceNotFoundException', 'Requested resource not found'));
    const answer = await call(handler, 'GET', PATH);
    assert.equal(answer.status, 500);
    assert.equal(answer.body.message, 'internal error: ResourceNotFoundException');
  });
});
