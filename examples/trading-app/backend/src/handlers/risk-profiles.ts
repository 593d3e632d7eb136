// Risk profiles: limits a strategy trades within. The client chooses the id.
//   GET    /risk-profiles          list (?runId=, ?limit=)
//   PUT    /risk-profiles/{id}     {maxPositionSize > 0, maxDailyLoss > 0, maxLeverage 1..100}
//                                  -> 200, creates or replaces (audited as create or update)
//   GET    /risk-profiles/{id}
//   DELETE /risk-profiles/{id}     204, 404 when absent

import { auditEntry, writeWithAudit } from '../lib/audit';
import { tableName } from '../lib/config';
import { getItem } from '../lib/db';
import type { Deps } from '../lib/deps';
import type { RiskProfile } from '../lib/entities';
import { json } from '../lib/http';
import { deleteEntity, getEntity, listEntities } from '../lib/resources';
import { type Request, type Route, createApiHandler } from '../lib/router';
import { requireId, requireNumber } from '../lib/validation';

async function putRiskProfile(request: Request, deps: Deps) {
  const table = tableName(deps.env, 'riskProfiles');
  const id = requireId(request.params.id);
  const body = request.body();
  const runId = request.runId();
  const maxPositionSize = requireNumber(body, 'maxPositionSize', { greaterThan: 0 });
  const maxDailyLoss = requireNumber(body, 'maxDailyLoss', { greaterThan: 0 });
  const maxLeverage = requireNumber(body, 'maxLeverage', { min: 1, max: 100 });

  // Create or replace, guarded by the version read here: a concurrent change in between makes
  // the write fail (409) instead of being silently overwritten or audited wrongly.
  const existing = await getItem<RiskProfile>(deps, table, id);
  const now = deps.now().toISOString();
  const profile: RiskProfile = {
    id,
    maxPositionSize,
    maxDailyLoss,
    maxLeverage,
    ...(runId !== undefined ? { runId } : {}),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await writeWithAudit(
    deps,
    { type: 'put', table, item: profile, expect: existing ? { updatedAt: existing.updatedAt } : 'absent' },
    auditEntry(deps, existing ? 'update' : 'create', 'risk-profile', id, runId),
  );
  return json(200, profile);
}

export const routes: Route[] = [
  { method: 'GET', path: '/risk-profiles', handle: (req, deps) => listEntities(deps, req, 'riskProfiles') },
  { method: 'GET', path: '/risk-profiles/{id}', handle: (req, deps) => getEntity(deps, req, 'riskProfiles', 'risk-profile') },
  { method: 'PUT', path: '/risk-profiles/{id}', handle: putRiskProfile },
  {
    method: 'DELETE',
    path: '/risk-profiles/{id}',
    handle: (req, deps) => deleteEntity(deps, req, 'riskProfiles', 'risk-profile'),
  },
];

export const createHandler = (overrides?: Partial<Deps>) => createApiHandler('risk-profiles', routes, overrides);

export const handler = createHandler();
