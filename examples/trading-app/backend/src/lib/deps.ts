// What a handler depends on. The deployed handlers use the shared clients (created lazily,
// once per container); tests pass fakes for any of them.

import { randomUUID } from 'node:crypto';

import { sharedDocumentClient, sharedSecretsClient, type DocumentClient, type SecretsClient } from './clients';
import type { Env } from './config';
import { consoleLogger, type Logger } from './log';
import { sharedRedis, type RedisConnector } from './redis';

export interface Deps {
  env: Env;
  db: DocumentClient;
  secrets: SecretsClient;
  redis: RedisConnector;
  now: () => Date;
  newId: () => string;
  log: Logger;
}

const defaultRedis = sharedRedis();

/** Deps with the given overrides; the defaults are only created when first used. */
export function makeDeps(overrides: Partial<Deps> = {}): Deps {
  return {
    get env() {
      return overrides.env ?? process.env;
    },
    get db() {
      return overrides.db ?? sharedDocumentClient();
    },
    get secrets() {
      return overrides.secrets ?? sharedSecretsClient();
    },
    get redis() {
      return overrides.redis ?? defaultRedis;
    },
    get now() {
      return overrides.now ?? (() => new Date());
    },
    get newId() {
      return overrides.newId ?? randomUUID;
    },
    get log() {
      return overrides.log ?? consoleLogger;
    },
  };
}
