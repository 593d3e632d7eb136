// The list / get / delete endpoints, alike for every entity table.

import { type EntityType, auditEntry, entityLabel, writeWithAudit } from './audit';
import { type TableKey, tableName } from './config';
import { type Item, getItem, newestFirst, scanItems } from './db';
import type { Deps } from './deps';
import { type ApiResult, json, noContent, notFound } from './http';
import type { Request } from './router';
import { checkRunId, parseLimit, requireId } from './validation';

/** ?runId= of the list endpoints (optional). */
export function runIdFilter(request: Request): string | undefined {
  const value = request.query.runId;
  return value === undefined || value === '' ? undefined : checkRunId(value, 'runId');
}

export function listResult(items: Item[]): ApiResult {
  return json(200, { items, count: items.length });
}

/** GET /<route>?runId=&limit=: newest first. */
export async function listEntities(deps: Deps, request: Request, table: TableKey): Promise<ApiResult> {
  const name = tableName(deps.env, table);
  const runId = runIdFilter(request);
  const limit = parseLimit(request.query);
  const items = await scanItems(deps, name, { runId });
  return listResult(newestFirst(items, 'createdAt').slice(0, limit));
}

export async function getEntityOr404<T extends Item>(
  deps: Deps,
  table: TableKey,
  id: string,
  entityType: EntityType,
): Promise<T> {
  const item = await getItem<T>(deps, tableName(deps.env, table), id);
  if (!item) throw notFound(`${entityLabel(entityType)} ${id} not found`);
  return item;
}

/** GET /<route>/{id}. */
export async function getEntity(deps: Deps, request: Request, table: TableKey, entityType: EntityType): Promise<ApiResult> {
  const id = requireId(request.params.id);
  return json(200, await getEntityOr404(deps, table, id, entityType));
}

/** DELETE /<route>/{id}: 204, 404 when absent; audited. */
export async function deleteEntity(deps: Deps, request: Request, table: TableKey, entityType: EntityType): Promise<ApiResult> {
  const name = tableName(deps.env, table);
  const id = requireId(request.params.id);
  const entry = auditEntry(deps, 'delete', entityType, id, request.runId());
  await writeWithAudit(deps, { type: 'delete', table: name, id }, entry);
  return noContent();
}
