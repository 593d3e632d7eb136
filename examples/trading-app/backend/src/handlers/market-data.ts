// Market data subscriptions: which exchange/symbol pairs the market data collectors follow.
// Stored in DynamoDB and announced to the collectors through Redis.
//   GET    /market-data/subscriptions          list (?runId=, ?limit=)
//   POST   /market-data/subscriptions          {exchange, symbol "BTC-EUR"} -> 201; stored, then
//                                              SET market-data:subscription:<id> (the item as JSON)
//                                              and PUBLISH market-data:subscriptions
//                                              {"action":"subscribe","subscription":{...}}
//   GET    /market-data/subscriptions/{id}
//   DELETE /market-data/subscriptions/{id}     204, 404 when absent; DEL of the key, then
//                                              PUBLISH {"action":"unsubscribe","subscription":{...}}
// Redis unavailable: 503 and nothing changed (a create whose announcement fails is taken back).

import { auditEntry, undoCreate, writeWithAudit } from '../lib/audit';
import { requireEnv, tableName } from '../lib/config';
import { EXCHANGES, SUBSCRIPTIONS_CHANNEL, subscriptionKey } from '../lib/constants';
import type { Deps } from '../lib/deps';
import type { MarketSubscription } from '../lib/entities';
import { HttpError, badRequest, json, noContent } from '../lib/http';
import { errorMessage } from '../lib/log';
import type { RedisOps } from '../lib/redis';
import { getEntity, getEntityOr404, listEntities } from '../lib/resources';
import { type Request, type Route, createApiHandler } from '../lib/router';
import { requireId, requireString } from '../lib/validation';

/** BASE-QUOTE, e.g. BTC-EUR; stored in upper case. */
const SYMBOL_PATTERN = /^[A-Za-z0-9]{2,12}-[A-Za-z0-9]{2,12}$/;

const redisUnavailable = (error: unknown, consequence: string): HttpError =>
  new HttpError(503, `redis unavailable (${errorMessage(error)}); ${consequence}`);

async function connectRedis(deps: Deps): Promise<RedisOps> {
  const url = requireEnv(deps.env, 'REDIS_URL');
  try {
    return await deps.redis(url);
  } catch (error) {
    throw redisUnavailable(error, 'nothing was changed');
  }
}

async function createSubscription(request: Request, deps: Deps) {
  const table = tableName(deps.env, 'marketSubscriptions');
  const body = request.body();
  const runId = request.runId();
  const exchange = requireString(body, 'exchange', { maxLength: 32 }).toLowerCase();
  if (!(EXCHANGES as readonly string[]).includes(exchange)) {
    throw badRequest('exchange', `must be one of ${EXCHANGES.join(', ')}`);
  }
  const symbol = requireString(body, 'symbol', {
    maxLength: 25,
    pattern: SYMBOL_PATTERN,
    hint: 'must be BASE-QUOTE, e.g. BTC-EUR',
  }).toUpperCase();

  const redis = await connectRedis(deps);
  const now = deps.now().toISOString();
  const subscription: MarketSubscription = {
    id: deps.newId(),
    exchange,
    symbol,
    ...(runId !== undefined ? { runId } : {}),
    createdAt: now,
    updatedAt: now,
  };
  const entry = auditEntry(deps, 'create', 'market-subscription', subscription.id, runId);
  await writeWithAudit(deps, { type: 'put', table, item: subscription, expect: 'absent' }, entry);

  const key = subscriptionKey(subscription.id);
  try {
    await redis.set(key, JSON.stringify(subscription));
    await redis.publish(SUBSCRIPTIONS_CHANNEL, JSON.stringify({ action: 'subscribe', subscription }));
  } catch (error) {
    // Take the subscription back: stored but not announced would be a subscription nobody follows.
    await redis.del(key).catch(() => 0);
    try {
      await undoCreate(deps, table, subscription.id, entry);
    } catch (undoError) {
      deps.log('error', 'could not take back an unannounced subscription', {
        id: subscription.id,
        error: errorMessage(undoError),
      });
      throw redisUnavailable(error, `subscription ${subscription.id} was stored but not announced`);
    }
    throw redisUnavailable(error, 'the subscription was not created');
  }
  return json(201, subscription, { Location: `/market-data/subscriptions/${subscription.id}` });
}

async function deleteSubscription(request: Request, deps: Deps) {
  const table = tableName(deps.env, 'marketSubscriptions');
  const id = requireId(request.params.id);
  const runId = request.runId();
  const subscription = await getEntityOr404<MarketSubscription>(deps, 'marketSubscriptions', id, 'market-subscription');
  const redis = await connectRedis(deps);
  // The key goes first: if that fails nothing changed and the request can be repeated.
  try {
    await redis.del(subscriptionKey(id));
  } catch (error) {
    throw redisUnavailable(error, 'nothing was changed');
  }
  await writeWithAudit(deps, { type: 'delete', table, id }, auditEntry(deps, 'delete', 'market-subscription', id, runId));
  try {
    await redis.publish(SUBSCRIPTIONS_CHANNEL, JSON.stringify({ action: 'unsubscribe', subscription }));
  } catch (error) {
    deps.log('warn', 'unsubscribe announcement failed', { id, error: errorMessage(error) });
  }
  return noContent();
}

export const routes: Route[] = [
  {
    method: 'GET',
    path: '/market-data/subscriptions',
    handle: (req, deps) => listEntities(deps, req, 'marketSubscriptions'),
  },
  { method: 'POST', path: '/market-data/subscriptions', handle: createSubscription },
  {
    method: 'GET',
    path: '/market-data/subscriptions/{id}',
    handle: (req, deps) => getEntity(deps, req, 'marketSubscriptions', 'market-subscription'),
  },
  { method: 'DELETE', path: '/market-data/subscriptions/{id}', handle: deleteSubscription },
];

export const createHandler = (overrides?: Partial<Deps>) => createApiHandler('market-data', routes, overrides);

export const handler = createHandler();
