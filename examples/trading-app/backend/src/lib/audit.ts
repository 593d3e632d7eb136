// The audit trail. Every create, update and delete of an entity is written together with its
// audit entry in one DynamoDB transaction (TransactWriteItems): either both are stored or
// neither, so the audit log never misses a change nor records one that did not happen.

import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';

import { tableName } from './config';
import type { Item } from './db';
import type { Deps } from './deps';
import { conflict, notFound } from './http';
import { errorName } from './log';

export type AuditAction = 'create' | 'update' | 'delete';
export type EntityType = 'strategy-template' | 'strategy' | 'risk-profile' | 'market-subscription';

export interface AuditEntry {
  [key: string]: unknown;
  id: string;
  action: AuditAction;
  entityType: EntityType;
  entityId: string;
  runId?: string;
  at: string;
}

const LABELS: Record<EntityType, string> = {
  'strategy-template': 'strategy template',
  strategy: 'strategy',
  'risk-profile': 'risk profile',
  'market-subscription': 'market data subscription',
};

export function entityLabel(entityType: EntityType): string {
  return LABELS[entityType];
}

export function auditEntry(
  deps: Deps,
  action: AuditAction,
  entityType: EntityType,
  entityId: string,
  runId: string | undefined,
): AuditEntry {
  return {
    id: deps.newId(),
    action,
    entityType,
    entityId,
    ...(runId !== undefined ? { runId } : {}),
    at: deps.now().toISOString(),
  };
}

/**
 * The change to the entity:
 * - put with `expect: "absent"`: create, fails with 409 when the id exists;
 * - put with `expect: {updatedAt}`: replace the version that was read, 409 when it changed since;
 * - delete: 404 when the item does not exist.
 */
export type EntityWrite =
  | { type: 'put'; table: string; item: Item; expect: 'absent' | { updatedAt: string | undefined } }
  | { type: 'delete'; table: string; id: string };

function entityOperation(write: EntityWrite): Record<string, unknown> {
  if (write.type === 'delete') {
    return {
      Delete: { TableName: write.table, Key: { id: write.id }, ConditionExpression: 'attribute_exists(id)' },
    };
  }
  if (write.expect === 'absent') {
    return { Put: { TableName: write.table, Item: write.item, ConditionExpression: 'attribute_not_exists(id)' } };
  }
  if (write.expect.updatedAt === undefined) {
    return {
      Put: {
        TableName: write.table,
        Item: write.item,
        ConditionExpression: 'attribute_exists(id) AND attribute_not_exists(#updatedAt)',
        ExpressionAttributeNames: { '#updatedAt': 'updatedAt' },
      },
    };
  }
  return {
    Put: {
      TableName: write.table,
      Item: write.item,
      ConditionExpression: 'attribute_exists(id) AND #updatedAt = :updatedAt',
      ExpressionAttributeNames: { '#updatedAt': 'updatedAt' },
      ExpressionAttributeValues: { ':updatedAt': write.expect.updatedAt },
    },
  };
}

/** Applies `write` and appends `entry` to the audit log, atomically. */
export async function writeWithAudit(deps: Deps, write: EntityWrite, entry: AuditEntry): Promise<void> {
  const auditTable = tableName(deps.env, 'auditLog');
  try {
    await deps.db.send(
      new TransactWriteCommand({
        TransactItems: [
          entityOperation(write),
          { Put: { TableName: auditTable, Item: entry, ConditionExpression: 'attribute_not_exists(id)' } },
        ],
      }),
    );
  } catch (error) {
    if (errorName(error) !== 'TransactionCanceledException') throw error;
    const reasons = ((error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
      (reason) => reason?.Code ?? 'None',
    );
    const label = entityLabel(entry.entityType);
    if (reasons[0] === 'ConditionalCheckFailed') {
      if (write.type === 'delete') throw notFound(`${label} ${entry.entityId} not found`);
      if (write.expect === 'absent') throw conflict(`${label} ${entry.entityId} already exists`);
      throw conflict(`${label} ${entry.entityId} was changed by another request; retry`);
    }
    if (reasons.includes('TransactionConflict') || reasons.includes('ConditionalCheckFailed')) {
      throw conflict(`${label} ${entry.entityId} is being changed by another request; retry`);
    }
    throw error;
  }
}

/**
 * Takes back a create whose follow-up failed: removes the item and its audit entry together,
 * as if the request had never happened.
 */
export async function undoCreate(deps: Deps, table: string, id: string, entry: AuditEntry): Promise<void> {
  const auditTable = tableName(deps.env, 'auditLog');
  await deps.db.send(
    new TransactWriteCommand({
      TransactItems: [
        { Delete: { TableName: table, Key: { id } } },
        { Delete: { TableName: auditTable, Key: { id: entry.id } } },
      ],
    }),
  );
}
