// Strategies: a template instantiated with parameter values.
//   GET    /strategies          list (?runId=, ?limit=)
//   POST   /strategies          {templateId, name, parameters} -> 201; 404 unknown template;
//                               400 undeclared parameter or wrong type
//   GET    /strategies/{id}     the strategy and "credentialsConfigured": the exchange and AI
//                               credentials (names only) that have a readable value
//   DELETE /strategies/{id}     204, 404 when absent

import { auditEntry, writeWithAudit } from '../lib/audit';
import { tableName } from '../lib/config';
import type { Deps } from '../lib/deps';
import type { Strategy, StrategyTemplate } from '../lib/entities';
import { json } from '../lib/http';
import { resolveParameters } from '../lib/parameters';
import { deleteEntity, getEntityOr404, listEntities } from '../lib/resources';
import { type Request, type Route, createApiHandler } from '../lib/router';
import { configuredCredentials } from '../lib/secrets';
import { ID_PATTERN, requireId, requireString } from '../lib/validation';

async function createStrategy(request: Request, deps: Deps) {
  const table = tableName(deps.env, 'strategies');
  const body = request.body();
  const runId = request.runId();
  const templateId = requireString(body, 'templateId', { maxLength: 128, pattern: ID_PATTERN, hint: 'must be a template id' });
  const name = requireString(body, 'name', { maxLength: 100 });
  const template = await getEntityOr404<StrategyTemplate>(deps, 'strategyTemplates', templateId, 'strategy-template');
  const parameters = resolveParameters(template.parameters ?? {}, body.parameters, templateId);

  const now = deps.now().toISOString();
  const strategy: Strategy = {
    id: deps.newId(),
    templateId,
    name,
    parameters,
    ...(runId !== undefined ? { runId } : {}),
    createdAt: now,
    updatedAt: now,
  };
  await writeWithAudit(
    deps,
    { type: 'put', table, item: strategy, expect: 'absent' },
    auditEntry(deps, 'create', 'strategy', strategy.id, runId),
  );
  return json(201, strategy, { Location: `/strategies/${strategy.id}` });
}

async function getStrategy(request: Request, deps: Deps) {
  const id = requireId(request.params.id);
  const [strategy, credentialsConfigured] = await Promise.all([
    getEntityOr404<Strategy>(deps, 'strategies', id, 'strategy'),
    configuredCredentials(deps),
  ]);
  return json(200, { ...strategy, credentialsConfigured });
}

export const routes: Route[] = [
  { method: 'GET', path: '/strategies', handle: (req, deps) => listEntities(deps, req, 'strategies') },
  { method: 'POST', path: '/strategies', handle: createStrategy },
  { method: 'GET', path: '/strategies/{id}', handle: getStrategy },
  { method: 'DELETE', path: '/strategies/{id}', handle: (req, deps) => deleteEntity(deps, req, 'strategies', 'strategy') },
];

export const createHandler = (overrides?: Partial<Deps>) => createApiHandler('strategies', routes, overrides);

export const handler = createHandler();
