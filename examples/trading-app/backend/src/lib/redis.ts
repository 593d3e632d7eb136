// Redis (the `redis` package), one connection per container, made on first use and reused.
// Every call is bounded by a short timeout: with Redis down or unreachable a request fails (or
// the health check reports the error) within about a second instead of hanging. A connection
// that failed, timed out or was closed is dropped and the next call connects again.

import { createClient } from 'redis';

import { TimeoutError, withTimeout } from './timeout';

/** The Redis commands the handlers use. Tests inject fakes of this interface. */
export interface RedisOps {
  ping(): Promise<string>;
  set(key: string, value: string): Promise<unknown>;
  del(key: string): Promise<number>;
  publish(channel: string, message: string): Promise<number>;
}

export type RedisConnector = (url: string) => Promise<RedisOps>;

export const REDIS_TIMEOUT_MS = 1000;

type Client = ReturnType<typeof createClient>;

interface Connection {
  url: string;
  client: Client;
  ready: Promise<unknown>;
}

let connection: Connection | undefined;

function dispose(conn: Connection): void {
  if (connection === conn) connection = undefined;
  try {
    if (conn.client.isOpen) conn.client.destroy();
  } catch {
    // already closed
  }
}

async function connect(url: string, timeoutMs: number): Promise<Connection> {
  if (connection && (connection.url !== url || !connection.client.isOpen)) dispose(connection);
  if (!connection) {
    const client = createClient({
      url,
      // Fail commands at once while disconnected rather than queueing them.
      disableOfflineQueue: true,
      // No background reconnection loop: a lost connection is re-made by the next call.
      socket: { connectTimeout: timeoutMs, reconnectStrategy: false },
    });
    // Errors surface through the failing call; an 'error' event without a listener would
    // crash the process.
    client.on('error', () => {});
    connection = { url, client, ready: client.connect() };
  }
  const conn = connection;
  try {
    await withTimeout(conn.ready, timeoutMs, 'redis connect');
  } catch (error) {
    dispose(conn);
    throw error;
  }
  return conn;
}

/** The default connector: the container's shared connection to `url`. */
export function sharedRedis(timeoutMs = REDIS_TIMEOUT_MS): RedisConnector {
  return async (url) => {
    const conn = await connect(url, timeoutMs);
    const run = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
      try {
        return await withTimeout(call(), timeoutMs, `redis ${what}`);
      } catch (error) {
        if (error instanceof TimeoutError || !conn.client.isReady) dispose(conn);
        throw error;
      }
    };
    return {
      ping: () => run('PING', () => conn.client.ping()),
      set: (key, value) => run('SET', () => conn.client.set(key, value)),
      del: (key) => run('DEL', () => conn.client.del(key)),
      publish: (channel, message) => run('PUBLISH', () => conn.client.publish(channel, message)),
    };
  };
}

/** Closes the shared connection (scripts and tests; Lambda simply freezes the container). */
export function disconnectRedis(): void {
  if (connection) dispose(connection);
}
