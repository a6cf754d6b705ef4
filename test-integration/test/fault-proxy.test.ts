import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../src/cluster.js';
import { FaultProxy } from '../src/fault-proxy.js';

// The fault proxy of the blackhole and slow-link nemeses, on loopback against an echo server
// that also keeps what it received.

interface Echo {
  server: Server;
  port: number;
  received: string[];
}

async function echoServer(): Promise<Echo> {
  const received: string[] = [];
  const server = createServer((socket) =>
    socket.on('data', (chunk: Buffer) => void (received.push(chunk.toString()), socket.write(chunk))),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, received };
}

function connect(port: number): { socket: Socket; got: () => string } {
  const socket = createConnection({ host: '127.0.0.1', port });
  let text = '';
  socket.on('data', (chunk: Buffer) => void (text += chunk.toString()));
  return { socket, got: () => text };
}

describe('fault proxy', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setUp(): Promise<{ echo: Echo; proxy: FaultProxy }> {
    const echo = await echoServer();
    const proxy = await FaultProxy.start({ host: '127.0.0.1', port: echo.port });
    cleanups.push(
      () => new Promise<void>((resolve) => echo.server.close(() => resolve())),
      () => proxy.close(),
    );
    return { echo, proxy };
  }

  it('holds every byte while blackholed, with the sockets open, and delivers them in order when healed', async () => {
    const { echo, proxy } = await setUp();
    const client = connect(proxy.port);
    cleanups.push(() => void client.socket.destroy());
    client.socket.write('a');
    await waitUntil(() => client.got() === 'a', 5_000, 'the echo of a');

    proxy.blackhole();
    client.socket.write('b');
    await waitUntil(() => proxy.heldChunks() === 1, 5_000, 'the proxy to hold b');
    client.socket.write('c');
    await waitUntil(() => proxy.heldChunks() === 2, 5_000, 'the proxy to hold c');
    expect(echo.received.join('')).toBe('a');
    expect(client.got()).toBe('a');
    expect(client.socket.destroyed).toBe(false);

    proxy.heal();
    await waitUntil(() => client.got() === 'abc', 5_000, 'the echo of b and c');
    expect(echo.received.join('')).toBe('abc');
  });

  it('accepts a connection opened during a blackhole, which hangs until healed', async () => {
    const { echo, proxy } = await setUp();
    proxy.blackhole();
    const client = connect(proxy.port);
    cleanups.push(() => void client.socket.destroy());
    client.socket.write('x');
    await waitUntil(() => proxy.heldChunks() === 1, 5_000, 'the proxy to hold x');
    expect(echo.received).toEqual([]);
    proxy.heal();
    await waitUntil(() => client.got() === 'x', 5_000, 'the echo of x');
  });

  it('delays chunks without reordering them when the delay shrinks', async () => {
    const { proxy } = await setUp();
    const client = connect(proxy.port);
    cleanups.push(() => void client.socket.destroy());
    proxy.delay(1_000);
    client.socket.write('d');
    await waitUntil(() => proxy.heldChunks() === 1, 5_000, 'the proxy to hold d');
    proxy.delay(0);
    client.socket.write('e');
    await waitUntil(() => client.got().length === 2, 5_000, 'both echoes');
    expect(client.got()).toBe('de');
  });
});
