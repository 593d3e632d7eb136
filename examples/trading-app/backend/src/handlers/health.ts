// GET /health: can this function reach what it needs?
// 200 {status "ok"|"degraded", environment, functionVersion,
//      checks: {dynamodb, redis: "ok" | "error: <reason>"},
//      secrets: {<credential>: "readable"|"empty"|"unreadable"}}
// Every check runs in parallel and is bounded in time, so the answer comes within about 2 s
// even when a dependency hangs. Secrets are read afresh and only their status is reported.
// "degraded" when a check fails or a secret is unreadable (empty is normal before the secrets
// phase of a deploy).

import { requireEnv, secretArns, tableName } from '../lib/config';
import { getItem } from '../lib/db';
import type { Deps } from '../lib/deps';
import { json } from '../lib/http';
import { errorMessage, errorName } from '../lib/log';
import { type Route, createApiHandler } from '../lib/router';
import { secretStatuses } from '../lib/secrets';
import { withTimeout } from '../lib/timeout';

export const CHECK_TIMEOUT_MS = 1500;

async function check(what: string, probe: () => Promise<unknown>): Promise<string> {
  try {
    await withTimeout(probe(), CHECK_TIMEOUT_MS, what);
    return 'ok';
  } catch (error) {
    const name = errorName(error);
    const message = errorMessage(error);
    return `error: ${name === 'Error' || message.startsWith(name) ? message : `${name}: ${message}`}`;
  }
}

async function health(_request: unknown, deps: Deps) {
  const environment = requireEnv(deps.env, 'ACINACES_ENVIRONMENT');
  const auditTable = tableName(deps.env, 'auditLog');
  const redisUrl = requireEnv(deps.env, 'REDIS_URL');
  secretArns(deps.env); // invalid SECRET_ARNS is a 500, before any check runs

  const [dynamodb, redis, secrets] = await Promise.all([
    // A cheap read of an id that never exists: reachability and permission, nothing else.
    check('dynamodb', () => getItem(deps, auditTable, '__health__')),
    check('redis', async () => (await deps.redis(redisUrl)).ping()),
    secretStatuses(deps, { fresh: true }),
  ]);
  const failed = dynamodb !== 'ok' || redis !== 'ok' || Object.values(secrets).includes('unreadable');
  return json(200, {
    status: failed ? 'degraded' : 'ok',
    environment,
    functionVersion: deps.env.AWS_LAMBDA_FUNCTION_VERSION || 'unknown',
    checks: { dynamodb, redis },
    secrets,
  });
}

export const routes: Route[] = [{ method: 'GET', path: '/health', handle: health }];

export const createHandler = (overrides?: Partial<Deps>) => createApiHandler('health', routes, overrides);

export const handler = createHandler();
