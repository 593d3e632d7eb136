// In-memory stand-ins for the injected clients: DynamoDB (document client commands), Secrets
// Manager and Redis. They record every call, so tests check both the outcome and the exact
// requests the handlers make.

import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';

import type { Deps } from '../../src/lib/deps';
import type { ApiEvent, ApiResult } from '../../src/lib/http';
import type { LogLevel } from '../../src/lib/log';
import type { RedisOps } from '../../src/lib/redis';
import type { ApiHandler } from '../../src/lib/router';

type Item = Record<string, unknown> & { id: string };
type AnyInput = Record<string, any>;

export function awsError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } }, extra);
}

function clone<T>(value: T): T {
  return value === undefined ? value : structuredClone(value);
}

/** The few condition / filter forms the handlers use: clauses joined by AND. */
function evaluate(
  expression: string | undefined,
  item: Item | undefined,
  names: Record<string, string> = {},
  values: Record<string, unknown> = {},
): boolean {
  if (!expression) return true;
  const attribute = (token: string) => (token.startsWith('#') ? (names[token] ?? token) : token);
  return expression.split(' AND ').every((raw) => {
    const clause = raw.trim();
    let match = /^attribute_(not_)?exists\((#?\w+)\)$/.exec(clause);
    if (match) {
      const present = item !== undefined && item[attribute(match[2] as string)] !== undefined;
      return match[1] ? !present : present;
    }
    match = /^(#?\w+) = (:\w+)$/.exec(clause);
    if (match) {
      if (!((match[2] as string) in values)) throw awsError('ValidationException', `no value for ${match[2]}`);
      return item !== undefined && item[attribute(match[1] as string)] === values[match[2] as string];
    }
    throw new Error(`FakeDynamo: unsupported expression "${clause}"`);
  });
}

export class FakeDynamo {
  readonly tables = new Map<string, Map<string, Item>>();
  readonly calls: { command: string; input: AnyInput }[] = [];
  /** Items a Scan evaluates per page (DynamoDB pages by size; small pages test pagination). */
  pageSize = 1000;
  /** Errors thrown by the next calls of a command (by command name), in order. */
  readonly failures = new Map<string, Error[]>();
  /** BatchWrite leaves this many requests unprocessed once, to test the retry. */
  unprocessedOnce = 0;
  /** Runs before a command is applied (e.g. to simulate a concurrent change). */
  beforeSend?: (command: string, input: AnyInput) => void;

  constructor(tableNames: string[]) {
    for (const name of tableNames) this.tables.set(name, new Map());
  }

  table(name: string): Map<string, Item> {
    const table = this.tables.get(name);
    if (!table) throw awsError('ResourceNotFoundException', 'Requested resource not found');
    return table;
  }

  seed(table: string, ...items: Item[]): void {
    for (const item of items) this.table(table).set(item.id, clone(item));
  }

  items(table: string): Item[] {
    return [...this.table(table).values()].map(clone);
  }

  get(table: string, id: string): Item | undefined {
    return clone(this.table(table).get(id));
  }

  callsOf(command: string): AnyInput[] {
    return this.calls.filter((call) => call.command === command).map((call) => call.input);
  }

  failNext(command: string, error: Error): void {
    this.failures.set(command, [...(this.failures.get(command) ?? []), error]);
  }

  async send(command: unknown): Promise<any> {
    const name = (command as object).constructor.name;
    const input = clone((command as { input: AnyInput }).input);
    this.calls.push({ command: name, input });
    this.beforeSend?.(name, input);
    const failure = this.failures.get(name)?.shift();
    if (failure) throw failure;

    if (command instanceof GetCommand) {
      return { Item: clone(this.table(input.TableName).get(input.Key.id)) };
    }
    if (command instanceof PutCommand) {
      const table = this.table(input.TableName);
      const condition = evaluate(
        input.ConditionExpression,
        table.get(input.Item.id),
        input.ExpressionAttributeNames,
        input.ExpressionAttributeValues,
      );
      if (!condition) throw awsError('ConditionalCheckFailedException', 'The conditional request failed');
      table.set(input.Item.id, clone(input.Item));
      return {};
    }
    if (command instanceof DeleteCommand) {
      const table = this.table(input.TableName);
      const old = table.get(input.Key.id);
      if (!evaluate(input.ConditionExpression, old, input.ExpressionAttributeNames, input.ExpressionAttributeValues)) {
        throw awsError('ConditionalCheckFailedException', 'The conditional request failed');
      }
      table.delete(input.Key.id);
      return input.ReturnValues === 'ALL_OLD' ? { Attributes: clone(old) } : {};
    }
    if (command instanceof ScanCommand) {
      const all = [...this.table(input.TableName).values()];
      let start = 0;
      if (input.ExclusiveStartKey) start = all.findIndex((item) => item.id === input.ExclusiveStartKey.id) + 1;
      const page = all.slice(start, start + this.pageSize);
      const Items = page
        .filter((item) => evaluate(input.FilterExpression, item, input.ExpressionAttributeNames, input.ExpressionAttributeValues))
        .map(clone);
      const more = start + this.pageSize < all.length;
      return { Items, Count: Items.length, ...(more ? { LastEvaluatedKey: { id: (page.at(-1) as Item).id } } : {}) };
    }
    if (command instanceof TransactWriteCommand) {
      const operations = input.TransactItems as AnyInput[];
      const keys = new Set<string>();
      const reasons = operations.map((operation) => {
        const [kind, spec] = Object.entries(operation)[0] as [string, AnyInput];
        const id = kind === 'Put' ? spec.Item.id : spec.Key.id;
        const key = `${spec.TableName}/${id}`;
        if (keys.has(key)) throw awsError('ValidationException', 'Transaction request cannot include multiple operations on one item');
        keys.add(key);
        const current = this.table(spec.TableName).get(id);
        const ok = evaluate(spec.ConditionExpression, current, spec.ExpressionAttributeNames, spec.ExpressionAttributeValues);
        return ok ? { Code: 'None' } : { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' };
      });
      if (reasons.some((reason) => reason.Code !== 'None')) {
        throw awsError('TransactionCanceledException', 'Transaction cancelled', { CancellationReasons: reasons });
      }
      for (const operation of operations) {
        const [kind, spec] = Object.entries(operation)[0] as [string, AnyInput];
        if (kind === 'Put') this.table(spec.TableName).set(spec.Item.id, clone(spec.Item));
        else this.table(spec.TableName).delete(spec.Key.id);
      }
      return {};
    }
    if (command instanceof BatchWriteCommand) {
      const unprocessed: Record<string, AnyInput[]> = {};
      for (const [tableName, requests] of Object.entries(input.RequestItems as Record<string, AnyInput[]>)) {
        const table = this.table(tableName);
        requests.forEach((request, i) => {
          if (i < this.unprocessedOnce) {
            (unprocessed[tableName] ??= []).push(request);
            return;
          }
          if (request.DeleteRequest) table.delete(request.DeleteRequest.Key.id);
          if (request.PutRequest) table.set(request.PutRequest.Item.id, clone(request.PutRequest.Item));
        });
      }
      this.unprocessedOnce = 0;
      return { UnprocessedItems: unprocessed };
    }
    throw new Error(`FakeDynamo: unsupported command ${name}`);
  }
}

/** Secrets by ARN: a string value, null (exists without a value), or an error to throw. */
export class FakeSecrets {
  readonly secrets = new Map<string, string | null | Error>();
  readonly calls: { command: string; secretId: string }[] = [];

  async send(command: unknown): Promise<any> {
    const secretId = (command as { input: { SecretId: string } }).input.SecretId;
    const name = (command as object).constructor.name;
    this.calls.push({ command: name, secretId });
    const secret = this.secrets.get(secretId);
    if (command instanceof GetSecretValueCommand) {
      if (!this.secrets.has(secretId)) throw awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      if (secret === null) {
        throw awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT");
      }
      if (secret instanceof Error) throw secret;
      return { ARN: secretId, SecretString: secret };
    }
    if (command instanceof DescribeSecretCommand) {
      if (!this.secrets.has(secretId)) throw awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      return { ARN: secretId, Name: secretId.split(':').at(-1) };
    }
    throw new Error(`FakeSecrets: unsupported command ${name}`);
  }

  reads(): string[] {
    return this.calls.filter((call) => call.command === 'GetSecretValueCommand').map((call) => call.secretId);
  }
}

export class FakeRedis implements RedisOps {
  readonly values = new Map<string, string>();
  readonly published: { channel: string; message: unknown }[] = [];
  readonly commands: string[] = [];
  readonly urls: string[] = [];
  /** Commands (CONNECT, PING, SET, DEL, PUBLISH) that fail. */
  readonly failing = new Set<string>();
  /** The connection never completes (an unreachable Redis). */
  hang = false;

  readonly connector = async (url: string): Promise<RedisOps> => {
    this.urls.push(url);
    if (this.hang) return new Promise<RedisOps>(() => {});
    if (this.failing.has('CONNECT')) throw new Error('connect ECONNREFUSED 10.0.0.1:6379');
    return this;
  };

  private run<T>(command: string, result: () => T): Promise<T> {
    this.commands.push(command);
    if (this.failing.has(command)) return Promise.reject(new Error(`${command} failed: connection lost`));
    return Promise.resolve(result());
  }

  ping(): Promise<string> {
    return this.run('PING', () => 'PONG');
  }

  set(key: string, value: string): Promise<unknown> {
    return this.run('SET', () => {
      this.values.set(key, value);
      return 'OK';
    });
  }

  del(key: string): Promise<number> {
    return this.run('DEL', () => (this.values.delete(key) ? 1 : 0));
  }

  publish(channel: string, message: string): Promise<number> {
    return this.run('PUBLISH', () => {
      this.published.push({ channel, message: JSON.parse(message) });
      return 1;
    });
  }
}

export const TABLES = {
  TABLE_STRATEGY_TEMPLATES: 'test-strategy-templates',
  TABLE_STRATEGIES: 'test-strategies',
  TABLE_RISK_PROFILES: 'test-risk-profiles',
  TABLE_MARKET_SUBSCRIPTIONS: 'test-market-subscriptions',
  TABLE_AUDIT_LOG: 'test-audit-log',
};

export const SECRET_ARNS = {
  binance: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:acinaces-test/exchanges/binance-AbCdEf',
  kraken: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:acinaces-test/exchanges/kraken-AbCdEf',
  openai: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:acinaces-test/ai/openai-AbCdEf',
};

export function baseEnv(): Record<string, string | undefined> {
  return {
    ACINACES_ENVIRONMENT: 'test',
    ...TABLES,
    REDIS_URL: 'redis://redis.test:6379',
    SECRET_ARNS: JSON.stringify(SECRET_ARNS),
    AWS_LAMBDA_FUNCTION_VERSION: '7',
  };
}

export interface World {
  env: Record<string, string | undefined>;
  db: FakeDynamo;
  secrets: FakeSecrets;
  redis: FakeRedis;
  logs: { level: LogLevel; message: string; fields: Record<string, unknown> }[];
  deps: Partial<Deps>;
  /** The ids the next creates get: id-1, id-2, ... */
  ids: number;
}

/** Fakes for every dependency; ids are id-1, id-2, ...; the clock advances 1 s per reading. */
export function world(env: Record<string, string | undefined> = baseEnv()): World {
  const w: World = {
    env,
    db: new FakeDynamo(Object.values(TABLES)),
    secrets: new FakeSecrets(),
    redis: new FakeRedis(),
    logs: [],
    deps: {},
    ids: 0,
  };
  let clock = Date.parse('2030-01-02T03:04:05.000Z');
  w.deps = {
    env: w.env,
    db: w.db,
    secrets: w.secrets,
    redis: w.redis.connector,
    newId: () => `id-${++w.ids}`,
    now: () => new Date((clock += 1000)),
    log: (level, message, fields = {}) => w.logs.push({ level, message, fields }),
  };
  return w;
}

export interface EventOptions {
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  stage?: string;
}

export function apiEvent(method: string, path: string, options: EventOptions = {}): ApiEvent {
  return {
    httpMethod: method,
    path,
    resource: path,
    pathParameters: null,
    queryStringParameters: options.query ?? null,
    headers: { Accept: 'application/json', ...(options.headers ?? {}) },
    body:
      options.body === undefined ? null : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: { stage: options.stage ?? 'live', requestId: 'req-1' },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any;
  raw: ApiResult;
}

export async function call(handler: ApiHandler, method: string, path: string, options: EventOptions = {}): Promise<Answer> {
  const raw = await handler(apiEvent(method, path, options), { awsRequestId: 'aws-req-1' });
  return { status: raw.statusCode, headers: raw.headers, body: raw.body === '' ? undefined : JSON.parse(raw.body), raw };
}
