// DynamoDB access through the document client. Every table has the hash key "id" (S) and no
// index, so lists are Scans with equality filters, bounded in pages and kept small.

import { BatchWriteCommand, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';

import type { Deps } from './deps';

export type Item = { id: string } & Record<string, unknown>;

export async function getItem<T extends Item>(deps: Deps, table: string, id: string): Promise<T | undefined> {
  const out = await deps.db.send(new GetCommand({ TableName: table, Key: { id } }));
  return out.Item as T | undefined;
}

/**
 * The items whose attributes equal `filter` (undefined values are ignored), reading at most
 * `maxPages` pages of the table.
 */
export async function scanItems<T extends Item>(
  deps: Deps,
  table: string,
  filter: Record<string, string | undefined> = {},
  maxPages = 10,
): Promise<T[]> {
  const clauses: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, string> = {};
  Object.entries(filter)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .forEach(([attribute, value], i) => {
      names[`#f${i}`] = attribute;
      values[`:f${i}`] = value;
      clauses.push(`#f${i} = :f${i}`);
    });

  const items: T[] = [];
  let startKey: Record<string, unknown> | undefined;
  for (let page = 0; page < maxPages; page++) {
    const out = await deps.db.send(
      new ScanCommand({
        TableName: table,
        ...(clauses.length > 0
          ? { FilterExpression: clauses.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values }
          : {}),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...((out.Items ?? []) as T[]));
    startKey = out.LastEvaluatedKey;
    if (!startKey) return items;
  }
  deps.log('warn', 'scan stopped before the end of the table', { table, maxPages });
  return items;
}

/** Deletes the items by id, 25 a request, retrying unprocessed ones a few times. */
export async function deleteItems(deps: Deps, table: string, ids: readonly string[]): Promise<void> {
  for (let start = 0; start < ids.length; start += 25) {
    let requests: Record<string, unknown>[] = ids
      .slice(start, start + 25)
      .map((id) => ({ DeleteRequest: { Key: { id } } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt === 5) throw new Error(`could not delete ${requests.length} items from ${table}`);
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      const out = await deps.db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
    }
  }
}

/** Newest first by `field` (ISO timestamps), then by id: a stable order for lists. */
export function newestFirst<T extends Item>(items: T[], field: string): T[] {
  return [...items].sort((a, b) => {
    const x = String(a[field] ?? '');
    const y = String(b[field] ?? '');
    if (x !== y) return x < y ? 1 : -1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}
