// The audit trail written by the other handlers (see src/lib/audit.ts).
//   GET    /audit-log?runId=&limit=   entries, newest first (runId optional)
//   DELETE /audit-log?runId=          removes every entry of that run; runId required; 204

import { tableName } from '../lib/config';
import { deleteItems, newestFirst, scanItems } from '../lib/db';
import type { AuditEntry } from '../lib/audit';
import type { Deps } from '../lib/deps';
import { badRequest, noContent } from '../lib/http';
import { listResult, runIdFilter } from '../lib/resources';
import { type Request, type Route, createApiHandler } from '../lib/router';
import { parseLimit } from '../lib/validation';

async function listEntries(request: Request, deps: Deps) {
  const table = tableName(deps.env, 'auditLog');
  const runId = runIdFilter(request);
  const limit = parseLimit(request.query);
  const entries = await scanItems<AuditEntry>(deps, table, { runId });
  return listResult(newestFirst(entries, 'at').slice(0, limit));
}

async function deleteRunEntries(request: Request, deps: Deps) {
  const table = tableName(deps.env, 'auditLog');
  const runId = runIdFilter(request);
  if (runId === undefined) throw badRequest('runId', 'is required (query parameter ?runId=)');
  const entries = await scanItems<AuditEntry>(deps, table, { runId }, 1000);
  await deleteItems(deps, table, entries.map((entry) => entry.id));
  deps.log('info', 'audit entries deleted', { runId, count: entries.length });
  return noContent();
}

export const routes: Route[] = [
  { method: 'GET', path: '/audit-log', handle: listEntries },
  { method: 'DELETE', path: '/audit-log', handle: deleteRunEntries },
];

export const createHandler = (overrides?: Partial<Deps>) => createApiHandler('audit-log', routes, overrides);

export const handler = createHandler();
