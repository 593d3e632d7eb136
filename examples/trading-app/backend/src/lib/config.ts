// Configuration from the function's environment, read when a request needs it: a missing
// variable fails that request with a 500 naming the variable, never the cold start.

import { HttpError } from './http';

export type Env = Record<string, string | undefined>;

export const TABLES = {
  strategyTemplates: 'TABLE_STRATEGY_TEMPLATES',
  strategies: 'TABLE_STRATEGIES',
  riskProfiles: 'TABLE_RISK_PROFILES',
  marketSubscriptions: 'TABLE_MARKET_SUBSCRIPTIONS',
  auditLog: 'TABLE_AUDIT_LOG',
} as const;

export type TableKey = keyof typeof TABLES;

export class ConfigError extends HttpError {
  constructor(message: string) {
    super(500, message);
    this.name = 'ConfigError';
  }
}

export function requireEnv(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`missing configuration: ${name} is not set`);
  return value;
}

export function tableName(env: Env, table: TableKey): string {
  return requireEnv(env, TABLES[table]);
}

/**
 * SECRET_ARNS: JSON object, credential name -> Secrets Manager ARN. Absent or empty means the
 * function reads no credential; anything else that is not such an object is a 500.
 */
export function secretArns(env: Env): Record<string, string> {
  const raw = env.SECRET_ARNS?.trim();
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('invalid configuration: SECRET_ARNS is not valid JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('invalid configuration: SECRET_ARNS must be a JSON object of name -> ARN');
  }
  const result: Record<string, string> = {};
  for (const [name, arn] of Object.entries(parsed)) {
    if (typeof arn !== 'string' || !arn) {
      throw new ConfigError(`invalid configuration: SECRET_ARNS.${name} must be a non-empty string`);
    }
    result[name] = arn;
  }
  return result;
}

/** Part of the secrets cache key: a new marker (secrets were rotated) means reading afresh. */
export function secretsRefreshMarker(env: Env): string {
  return env.SECRETS_REFRESH_MARKER ?? '';
}
