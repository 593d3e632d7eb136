// Strategy templates: a named strategy blueprint declaring its parameters.
//   GET    /strategy-templates          list (?runId=, ?limit=)
//   POST   /strategy-templates          {name, description?, parameters} -> 201
//   GET    /strategy-templates/{id}
//   DELETE /strategy-templates/{id}     204, 404 when absent

import { auditEntry, writeWithAudit } from '../lib/audit';
import { tableName } from '../lib/config';
import type { Deps } from '../lib/deps';
import type { StrategyTemplate } from '../lib/entities';
import { json } from '../lib/http';
import { parseParameterSpecs } from '../lib/parameters';
import { deleteEntity, getEntity, listEntities } from '../lib/resources';
import { type Request, type Route, createApiHandler } from '../lib/router';
import { optionalString, requireString } from '../lib/validation';

async function createTemplate(request: Request, deps: Deps) {
  const table = tableName(deps.env, 'strategyTemplates');
  const body = request.body();
  const runId = request.runId();
  const name = requireString(body, 'name', { maxLength: 100 });
  const description = optionalString(body, 'description', { maxLength: 1000, allowEmpty: true }) ?? '';
  const parameters = parseParameterSpecs(body.parameters);

  const now = deps.now().toISOString();
  const template: StrategyTemplate = {
    id: deps.newId(),
    name,
    description,
    parameters,
    ...(runId !== undefined ? { runId } : {}),
    createdAt: now,
    updatedAt: now,
  };
  await writeWithAudit(
    deps,
    { type: 'put', table, item: template, expect: 'absent' },
    auditEntry(deps, 'create', 'strategy-template', template.id, runId),
  );
  return json(201, template, { Location: `/strategy-templates/${template.id}` });
}

export const routes: Route[] = [
  { method: 'GET', path: '/strategy-templates', handle: (req, deps) => listEntities(deps, req, 'strategyTemplates') },
  { method: 'POST', path: '/strategy-templates', handle: createTemplate },
  {
    method: 'GET',
    path: '/strategy-templates/{id}',
    handle: (req, deps) => getEntity(deps, req, 'strategyTemplates', 'strategy-template'),
  },
  {
    method: 'DELETE',
    path: '/strategy-templates/{id}',
    handle: (req, deps) => deleteEntity(deps, req, 'strategyTemplates', 'strategy-template'),
  },
];

export const createHandler = (overrides?: Partial<Deps>) => createApiHandler('strategy-templates', routes, overrides);

export const handler = createHandler();
