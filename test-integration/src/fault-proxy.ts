import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** What one direction of a proxied connection still has to deliver, in order. */
type Pending = { chunk: Buffer; at: number } | { end: true; at: number };

/**
 * One direction of a proxied connection: chunks read from `from` are written to `to` in order,
 * each no sooner than its release instant. While the link is blackholed nothing is released
 * (the chunks wait, as TCP segments would be retransmitted until the path heals); a delay holds
 * each chunk that long after it was read.
 */
class Direction {
  readonly #queue: Pending[] = [];
  #timer: NodeJS.Timeout | null = null;
  #lastAt = 0;

  constructor(
    private readonly link: FaultProxy,
    private readonly to: Socket,
  ) {}

  push(item: { chunk: Buffer } | { end: true }): void {
    // Never before an earlier chunk: a shorter delay does not reorder the stream.
    const at = Math.max(Date.now() + this.link.delayMs, this.#lastAt);
    this.#lastAt = at;
    this.#queue.push({ ...item, at });
    this.flush();
  }

  /** Releases what is due; sets a timer for the next. */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.link.blackholed) return;
    const now = Date.now();
    for (let head = this.#queue[0]; head && head.at <= now; head = this.#queue[0]) {
      this.#queue.shift();
      if (this.to.destroyed) continue;
      if ('chunk' in head) this.to.write(head.chunk);
      else this.to.end();
    }
    const next = this.#queue[0];
    if (next) this.#timer = setTimeout(() => this.flush(), next.at - now);
  }

  /** Chunks read and not yet written. */
  get held(): number {
    return this.#queue.filter((item) => 'chunk' in item).length;
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#queue.length = 0;
  }
}

/**
 * A TCP proxy on loopback between one node and its database server, to inject the faults of a
 * network that stays up but misbehaves: {@link FaultProxy.blackhole} stops forwarding in both
 * directions while every socket stays open (queries and renewals hang instead of failing; a new
 * connection is accepted and hangs too), {@link FaultProxy.delay} holds every chunk for a while
 * in each direction (a slow link), {@link FaultProxy.heal} forwards again, what was held first.
 */
export class FaultProxy {
  /** While true, nothing is forwarded. */
  blackholed = false;
  /** Added to every chunk, in each direction, ms. */
  delayMs = 0;
  readonly #server: Server;
  readonly #links = new Set<{ client: Socket; upstream: Socket; directions: Direction[] }>();

  private constructor(
    server: Server,
    private readonly target: { host: string; port: number },
  ) {
    this.#server = server;
    server.on('connection', (client) => this.#accept(client));
  }

  /** Starts a proxy on a free loopback port that forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: false });
    const proxy = new FaultProxy(server, target);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** The port the proxy listens on. */
  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy is not listening');
    return address.port;
  }

  /** `url` (a database URL naming the target) with its host and port replaced by the proxy's. */
  route(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** Local ports of the proxy's own connections to the server (how the server knows the node's sessions). */
  upstreamPorts(): number[] {
    return [...this.#links].flatMap((l) => (l.upstream.localPort === undefined ? [] : [l.upstream.localPort]));
  }

  /** Chunks read and not yet forwarded, over every connection and direction (what a blackhole or a delay holds). */
  heldChunks(): number {
    let n = 0;
    for (const l of this.#links) for (const d of l.directions) n += d.held;
    return n;
  }

  /** Stops forwarding, in both directions; every socket stays open. */
  blackhole(): void {
    this.blackholed = true;
  }

  /** Holds every chunk `ms` in each direction from now on (0: none). */
  delay(ms: number): void {
    this.delayMs = ms;
  }

  /** Forwards again without delay; what was held goes first, in order. */
  heal(): void {
    this.blackholed = false;
    this.delayMs = 0;
    for (const l of this.#links) for (const d of l.directions) d.flush();
  }

  /** Closes the listener and every connection. */
  async close(): Promise<void> {
    for (const l of this.#links) this.#drop(l);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    const upstream = createConnection({ host: this.target.host, port: this.target.port, allowHalfOpen: true });
    const toServer = new Direction(this, upstream);
    const toClient = new Direction(this, client);
    const link = { client, upstream, directions: [toServer, toClient] };
    this.#links.add(link);
    client.on('data', (chunk: Buffer) => toServer.push({ chunk }));
    upstream.on('data', (chunk: Buffer) => toClient.push({ chunk }));
    client.on('end', () => toServer.push({ end: true }));
    upstream.on('end', () => toClient.push({ end: true }));
    // A reset or an error on either side ends both (a refused upstream); an orderly close
    // (FIN) travels as an `end` through the queue, held while the link is blackholed.
    const drop = (): void => this.#drop(link);
    client.on('error', drop);
    upstream.on('error', drop);
    const closed = (hadError: boolean): void => {
      if (hadError || (client.destroyed && upstream.destroyed)) drop();
    };
    client.on('close', closed);
    upstream.on('close', closed);
  }

  #drop(link: { client: Socket; upstream: Socket; directions: Direction[] }): void {
    if (!this.#links.delete(link)) return;
    for (const d of link.directions) d.close();
    link.client.destroy();
    link.upstream.destroy();
  }
}
