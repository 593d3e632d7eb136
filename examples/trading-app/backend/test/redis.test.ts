// The real `redis` client behind the shared connector, against servers on the loopback
// interface: a minimal RESP server, a port nobody listens on, and a server that never answers.

import assert from 'node:assert/strict';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { after, afterEach, describe, it } from 'node:test';

import { disconnectRedis, sharedRedis } from '../src/lib/redis';

interface MiniRedis {
  server: Server;
  url: string;
  commands: string[][];
  connections: number;
  sockets: Set<Socket>;
}

/** Understands the RESP arrays the client sends and answers PING, SET, DEL, PUBLISH. */
function parseCommands(buffer: string): { commands: string[][]; rest: string } {
  const commands: string[][] = [];
  let rest = buffer;
  for (;;) {
    const match = /^\*(\d+)\r\n/.exec(rest);
    if (!match) break;
    let offset = match[0].length;
    const args: string[] = [];
    let complete = true;
    for (let i = 0; i < Number(match[1]); i++) {
      const header = /^\$(\d+)\r\n/.exec(rest.slice(offset));
      if (!header) {
        complete = false;
        break;
      }
      const length = Number(header[1]);
      const start = offset + header[0].length;
      if (rest.length < start + length + 2) {
        complete = false;
        break;
      }
      args.push(rest.slice(start, start + length));
      offset = start + length + 2;
    }
    if (!complete) break;
    commands.push(args);
    rest = rest.slice(offset);
  }
  return { commands, rest };
}

async function miniRedis(): Promise<MiniRedis> {
  const state: MiniRedis = { server: createServer(), url: '', commands: [], connections: 0, sockets: new Set() };
  state.server.on('connection', (socket) => {
    state.connections++;
    state.sockets.add(socket);
    socket.on('close', () => state.sockets.delete(socket));
    let buffer = '';
    socket.on('data', (chunk) => {
      const parsed = parseCommands(buffer + chunk.toString('utf8'));
      buffer = parsed.rest;
      for (const args of parsed.commands) {
        state.commands.push(args);
        const name = (args[0] ?? '').toUpperCase();
        if (name === 'PING') socket.write('+PONG\r\n');
        else if (name === 'DEL' || name === 'PUBLISH') socket.write(':1\r\n');
        else socket.write('+OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => state.server.listen(0, '127.0.0.1', resolve));
  state.url = `redis://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
  return state;
}

async function close(server: Server, sockets: Iterable<Socket> = []): Promise<void> {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

afterEach(() => disconnectRedis());
after(() => disconnectRedis());

describe('shared Redis connection', () => {
  it('connects once and reuses the connection for later calls', async () => {
    const redis = await miniRedis();
    try {
      const connect = sharedRedis(1000);
      assert.equal(await (await connect(redis.url)).ping(), 'PONG');
      const ops = await connect(redis.url);
      await ops.set('k', 'v');
      assert.equal(await ops.del('k'), 1);
      assert.equal(await ops.publish('channel', 'message'), 1);
      assert.equal(redis.connections, 1);
      const sent = redis.commands.map((args) => args[0]?.toUpperCase());
      assert.deepEqual(sent.filter((name) => name !== 'CLIENT'), ['PING', 'SET', 'DEL', 'PUBLISH']);
      assert.deepEqual(redis.commands.find((args) => args[0]?.toUpperCase() === 'SET'), ['SET', 'k', 'v']);
    } finally {
      disconnectRedis();
      await close(redis.server, redis.sockets);
    }
  });

  it('connects again after the server closed the connection', async () => {
    const redis = await miniRedis();
    try {
      const connect = sharedRedis(1000);
      await (await connect(redis.url)).ping();
      for (const socket of redis.sockets) socket.destroy();
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await (await connect(redis.url)).ping(), 'PONG');
      assert.equal(redis.connections, 2);
    } finally {
      disconnectRedis();
      await close(redis.server, redis.sockets);
    }
  });

  it('fails fast when nothing listens on the port', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await close(probe);
    const started = Date.now();
    await assert.rejects(sharedRedis(1000)(`redis://127.0.0.1:${port}`), /ECONNREFUSED/);
    assert.ok(Date.now() - started < 1000);
  });

  it('gives up after the timeout when the server never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const url = `redis://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      await assert.rejects(
        (async () => (await sharedRedis(300)(url)).ping())(),
        (error: Error) => error.name === 'TimeoutError',
      );
      assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    } finally {
      await close(silent, sockets);
    }
  });
});
