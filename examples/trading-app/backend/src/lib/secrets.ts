// Exchange and AI credentials from Secrets Manager. Callers get a status (and, inside the
// function, the value); a value is never logged or put in a response.
//
// Values are cached per container. The cache key holds SECRETS_REFRESH_MARKER, so a new marker
// (the deploy sets one after rotating secrets) reads every secret afresh.

import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';

import { secretArns, secretsRefreshMarker } from './config';
import type { Deps } from './deps';
import { errorName } from './log';
import { withTimeout } from './timeout';

export type SecretStatus = 'readable' | 'empty' | 'unreadable';

export interface SecretRead {
  status: SecretStatus;
  /** Only when readable. Keep it inside the function. */
  value?: string;
}

const READABLE_TTL_MS = 5 * 60 * 1000;
const NOT_READABLE_TTL_MS = 30 * 1000;
const READ_TIMEOUT_MS = 1500;

interface CacheEntry {
  expires: number;
  read: SecretRead;
}

const cache = new Map<string, CacheEntry>();
let cacheMarker: string | undefined;

export function clearSecretsCache(): void {
  cache.clear();
  cacheMarker = undefined;
}

/** A value counts as empty when blank, or a JSON object whose fields are all blank. */
function isEmptyValue(value: string): boolean {
  if (value.trim() === '') return true;
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.values(parsed).every((field) => field === null || field === '');
    }
  } catch {
    // not JSON: a plain string value
  }
  return false;
}

async function fetchSecret(deps: Deps, name: string, arn: string): Promise<SecretRead> {
  try {
    const out = await deps.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    const value = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : '');
    return isEmptyValue(value) ? { status: 'empty' } : { status: 'readable', value };
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') {
      // Either the secret has no value yet (the normal state before the secrets phase) or
      // the secret itself does not exist: DescribeSecret tells them apart.
      try {
        await deps.secrets.send(new DescribeSecretCommand({ SecretId: arn }));
        return { status: 'empty' };
      } catch (describeError) {
        deps.log('warn', 'secret not found', { credential: name, error: errorName(describeError) });
        return { status: 'unreadable' };
      }
    }
    deps.log('warn', 'secret unreadable', { credential: name, error: errorName(error) });
    return { status: 'unreadable' };
  }
}

/** Reads one credential; `fresh` bypasses (and refreshes) the cache. */
export async function readSecret(
  deps: Deps,
  name: string,
  arn: string,
  options: { fresh?: boolean } = {},
): Promise<SecretRead> {
  const marker = secretsRefreshMarker(deps.env);
  if (cacheMarker !== marker) {
    cache.clear();
    cacheMarker = marker;
  }
  const key = `${marker}\u0000${arn}`;
  const now = Date.now();
  const hit = cache.get(key);
  if (!options.fresh && hit && hit.expires > now) return hit.read;

  let read: SecretRead;
  try {
    read = await withTimeout(fetchSecret(deps, name, arn), READ_TIMEOUT_MS, `secret ${name}`);
  } catch (error) {
    deps.log('warn', 'secret unreadable', { credential: name, error: errorName(error) });
    read = { status: 'unreadable' };
  }
  cache.set(key, { expires: now + (read.status === 'readable' ? READABLE_TTL_MS : NOT_READABLE_TTL_MS), read });
  return read;
}

/** The status of every credential in SECRET_ARNS, by name (sorted). */
export async function secretStatuses(deps: Deps, options: { fresh?: boolean } = {}): Promise<Record<string, SecretStatus>> {
  const arns = secretArns(deps.env);
  const names = Object.keys(arns).sort();
  const reads = await Promise.all(names.map((name) => readSecret(deps, name, arns[name] as string, options)));
  return Object.fromEntries(names.map((name, i) => [name, (reads[i] as SecretRead).status]));
}

/** Names of the credentials that have a readable value (sorted). */
export async function configuredCredentials(deps: Deps): Promise<string[]> {
  const statuses = await secretStatuses(deps);
  return Object.entries(statuses)
    .filter(([, status]) => status === 'readable')
    .map(([name]) => name);
}
