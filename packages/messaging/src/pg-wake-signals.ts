// Over 400 lines: one transport owning a listening session and a publishing client, whose
// reconnects, backoff and close share one state; its error, channel name and pause live beside it.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import {
  describeTlsFailure,
  parseDatabaseUrl,
  resolveTls,
  tlsConnectionOptions,
  ValidationError,
  type DatabaseUrl,
  type ResolvedTls,
  type TlsOptions,
  type WakeKind,
  type WakeSignals,
} from '@rookery/core';
import { loadPg } from './load-pg.js';
import { STDERR_PREFIX } from './event-bus.js';
import { pause, type Pause } from './pause.js';
import { wakeChannel } from './wake-channel.js';
import { WakeSignalsError } from './wake-signals-error.js';

/** Options of {@link pgWakeSignals}. */
export interface PgWakeSignalsOptions {
  /**
   * PostgreSQL URL (`postgres://user:pass@host:5432/db` or `postgresql://…`): the cluster's
   * database, in the grammar of the datastore URL (`sslmode`, `sslrootcert`, `sslcert`,
   * `sslkey`, `sslpassword`, `application_name`; `schema` and `tablePrefix` are accepted and
   * have no bearing here), so that both connections of a node agree.
   */
  url: string;
  /** TLS settings the URL cannot carry, over the URL's TLS parameters (as the datastore's `ssl` option). @defaultValue what the URL says */
  ssl?: TlsOptions;
  /**
   * Channel of the notifications, at most 63 bytes. Every process of a cluster must use the
   * same one. By default it follows where the URL puts the cluster's tables, so clusters on one
   * database in different schemas or behind different prefixes do not wake each other.
   * @defaultValue `'rookery_wake'`; with a `schema` or `tablePrefix` in the URL, `'<schema>.<prefix>wake'` (cut to 63 bytes)
   */
  channel?: string;
  /** `application_name` of both sessions, as shown in `pg_stat_activity`. @defaultValue `'rookery-wake'` */
  applicationName?: string;
  /** Id of this instance in its payloads; it ignores notifications carrying it. No `:`. @defaultValue a random UUID */
  senderId?: string;
  /** First wait before the listening session reconnects after an error; doubled per failure. @defaultValue 100 */
  minBackoffMs?: number;
  /** Longest wait between reconnection tries. @defaultValue 5 000 */
  maxBackoffMs?: number;
  /** Longest wait for a connection to open. @defaultValue 5 000 */
  connectTimeoutMs?: number;
  /**
   * Where transport errors go while nothing listens (an instance that only announces, such as
   * a client's). While a handler listens, they go to the `onError` given to `listen`.
   * @defaultValue `console.error` with the prefix `[rookery]`
   */
  onError?: (error: unknown) => void;
}

/** Wake signals over PostgreSQL LISTEN/NOTIFY; {@link PgWakeSignals.close} ends their sessions. */
export interface PgWakeSignals extends WakeSignals {
  /** This instance's sender id (in the payloads it sends). */
  readonly senderId: string;
  /** As {@link WakeSignals.listen}; every due time comes with its kind. */
  listen(handler: (dueAt: number, kind: WakeKind) => void, onError: (error: unknown) => void): () => Promise<void>;
  /** As {@link WakeSignals.announceInTransaction}, with `transaction` a `pg` client inside its open transaction. */
  announceInTransaction(dueAt: number, transaction: unknown, kind?: WakeKind): Promise<void>;
  /**
   * Stops listening, sends what was announced before it (a NOTIFY under way or pending), and
   * ends both sessions; later announces are ignored. Idempotent; never rejects.
   */
  close(): Promise<void>;
}

/** `<senderId>:<dueAt>` for a schedule's fire time, `<senderId>:<dueAt>:tasks` for tasks. */
const PAYLOAD = /^([^:]+):(\d{1,16})(:tasks)?$/;

/** The payload announcing `at` of `kind` from `senderId` (a schedule's without a suffix, as ever). */
function payloadOf(senderId: string, at: number, kind: WakeKind): string {
  return kind === 'tasks' ? `${senderId}:${at}:tasks` : `${senderId}:${at}`;
}

/**
 * Wake signals over PostgreSQL LISTEN/NOTIFY: `announce(dueAt, kind)` sends
 * `SELECT pg_notify(channel, '<senderId>:<dueAt>')` for a schedule's fire time, or
 * `'<senderId>:<dueAt>:tasks'` for tasks (due time in decimal epoch ms), on one publishing
 * session; `listen` holds one dedicated session that LISTENs on the channel and calls the
 * handler with each due time another instance announced, and its kind. The two sessions open
 * lazily (on the first announce, on listen).
 *
 * - Announces made while a NOTIFY is under way are coalesced: only the earliest pending due
 *   time is sent, once, when it finishes; of a schedule if any of them was.
 * - The listening session reconnects after an error or a server restart, with exponential
 *   backoff ({@link PgWakeSignalsOptions.minBackoffMs} to {@link PgWakeSignalsOptions.maxBackoffMs});
 *   notifications sent while it was away are lost, which polling covers.
 * - A notification this instance sent itself is ignored; a malformed payload is ignored and
 *   reported once (the first of them) through `onError`.
 * - Nothing throws and nothing rejects: every transport error goes to the `onError` given to
 *   `listen` (else to {@link PgWakeSignalsOptions.onError}). A failed NOTIFY is not retried.
 * - One handler listens at a time: a second `listen` before the first one's unlisten has been
 *   called throws, as does `listen` after `close`. Create another instance for another handler.
 *
 * Correctness never depends on a signal: nodes poll regardless.
 *
 * @param options - see {@link PgWakeSignalsOptions}
 * @throws ValidationError on `url` (field `db`: a malformed URL or an unknown parameter; `url`: not PostgreSQL), `channel`, `senderId` or the backoff options when they are malformed
 */
export function pgWakeSignals(options: PgWakeSignalsOptions): PgWakeSignals {
  return new PgWakeSignalsTransport(options);
}

function checkPositive(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ValidationError(field, `must be a positive integer of milliseconds, got ${value}`);
  return value;
}

/** The one listening handler of an instance and its session. */
interface ListenState {
  handler: (dueAt: number, kind: WakeKind) => void;
  onError: (error: unknown) => void;
  /** False once unlisten was called. */
  active: boolean;
  /** The session open now, if any. */
  client: pg.Client | null;
  /** The wait before the next reconnection, if under way. */
  backoff: Pause | null;
  /** The reconnection loop; settles after unlisten. */
  loop: Promise<void>;
}

class PgWakeSignalsTransport implements PgWakeSignals {
  readonly senderId: string;
  private readonly url: DatabaseUrl;
  private readonly tls: ResolvedTls | null;
  private driver: Promise<typeof pg> | null = null;
  private readonly channel: string;
  private readonly applicationName: string;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly connectTimeoutMs: number;
  private readonly fallbackOnError: (error: unknown) => void;

  private closed = false;
  private closing: Promise<void> | null = null;
  private malformedReported = false;

  // Publishing.
  private publisher: pg.Client | null = null;
  private pending: number | null = null;
  private pendingKind: WakeKind = 'tasks';
  private flushing: Promise<void> | null = null;

  // Listening: one handler at a time.
  private listening: ListenState | null = null;

  constructor(options: PgWakeSignalsOptions) {
    this.url = parseDatabaseUrl(options.url);
    if (this.url.dialect !== 'postgres')
      throw new ValidationError('url', `wake signals need a PostgreSQL URL, got a ${this.url.dialect} one`);
    this.tls = resolveTls(this.url.tls, options.ssl);
    this.channel = options.channel ?? wakeChannel(this.url);
    if (this.channel === '' || Buffer.byteLength(this.channel) > 63 || this.channel.includes('\0')) {
      throw new ValidationError('channel', `must be 1 to 63 bytes without NUL, got '${this.channel}'`);
    }
    this.senderId = options.senderId ?? randomUUID();
    if (!/^[^:\s]{1,100}$/.test(this.senderId))
      throw new ValidationError('senderId', 'must be 1 to 100 characters without `:` or spaces');
    this.applicationName = options.applicationName ?? this.url.applicationName ?? 'rookery-wake';
    this.minBackoffMs = checkPositive('minBackoffMs', options.minBackoffMs ?? 100);
    this.maxBackoffMs = checkPositive('maxBackoffMs', options.maxBackoffMs ?? 5_000);
    if (this.maxBackoffMs < this.minBackoffMs)
      throw new ValidationError('maxBackoffMs', 'must not be below minBackoffMs');
    this.connectTimeoutMs = checkPositive('connectTimeoutMs', options.connectTimeoutMs ?? 5_000);
    this.fallbackOnError =
      options.onError ??
      ((error) =>
        console.error(`${STDERR_PREFIX} wake signals:`, error instanceof Error ? error.message : String(error)));
  }

  /** Sends the error to the listener's `onError`, else to the fallback; never throws. */
  private report(error: unknown): void {
    const onError = this.listening?.onError ?? this.fallbackOnError;
    try {
      onError(error);
    } catch (thrown) {
      console.error(`${STDERR_PREFIX} wake signals: the error reporter threw:`, thrown, 'while reporting', error);
    }
  }

  /** A session's client, the `pg` driver loaded on first use (MissingDriverError when it is not installed). */
  private async newClient(): Promise<pg.Client> {
    this.driver ??= loadPg();
    const driver = await this.driver;
    const { host, port, database, username, password } = this.url;
    return new driver.Client({
      ...(host !== undefined ? { host } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(database !== undefined ? { database } : {}),
      ...(username !== undefined ? { user: username } : {}),
      ...(password !== undefined ? { password } : {}),
      ssl: this.tls ? tlsConnectionOptions(this.tls) : false,
      application_name: this.applicationName,
      connectionTimeoutMillis: this.connectTimeoutMs,
      keepAlive: true,
    });
  }

  /** A connect error, explained when TLS caused it. */
  private connectError(error: unknown): unknown {
    const where = `postgres server ${this.url.host ?? ''}${this.url.port !== undefined ? `:${this.url.port}` : ''}`;
    const explained = describeTlsFailure(error, this.tls, where);
    return explained === undefined ? error : new WakeSignalsError(explained, { cause: error });
  }

  /** Ends a session; an error while ending one is reported too. */
  private async end(client: pg.Client): Promise<void> {
    try {
      await client.end();
    } catch (error) {
      this.report(new WakeSignalsError(`closing a wake-signal session failed: ${String(error)}`, { cause: error }));
    }
  }

  announce(dueAt: number, kind: WakeKind = 'schedules'): void {
    if (this.closed || !Number.isFinite(dueAt)) return;
    const at = Math.max(0, Math.round(dueAt));
    this.pendingKind = this.pending === null || kind === 'schedules' ? kind : this.pendingKind;
    this.pending = this.pending === null ? at : Math.min(this.pending, at);
    this.flushing ??= this.flush().finally(() => {
      this.flushing = null;
    });
  }

  /**
   * Sends the NOTIFY on the caller's `pg` client, inside their open transaction: PostgreSQL
   * delivers it when that transaction commits, and drops it when it rolls back.
   */
  async announceInTransaction(dueAt: number, transaction: unknown, kind: WakeKind = 'schedules'): Promise<void> {
    if (this.closed || !Number.isFinite(dueAt)) return;
    const at = Math.max(0, Math.round(dueAt));
    await (transaction as Pick<pg.ClientBase, 'query'>).query('SELECT pg_notify($1, $2)', [
      this.channel,
      payloadOf(this.senderId, at, kind),
    ]);
  }

  /** Sends the earliest pending due time until none is pending; announces made meanwhile coalesce. */
  private async flush(): Promise<void> {
    // Not stopped by close(): what was announced before it is still sent, then close() ends the session.
    while (this.pending !== null) {
      try {
        const client = await this.publisherClient();
        const at = this.pending;
        const kind = this.pendingKind;
        this.pending = null;
        if (at === null) break;
        await client.query('SELECT pg_notify($1, $2)', [this.channel, payloadOf(this.senderId, at, kind)]);
      } catch (error) {
        // Best effort: the signal is dropped (polling covers it) and the session is reopened next time.
        this.pending = null;
        this.report(
          new WakeSignalsError(
            `NOTIFY on '${this.channel}' failed: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          ),
        );
        const broken = this.publisher;
        this.publisher = null;
        if (broken) await this.end(broken);
      }
    }
  }

  private async publisherClient(): Promise<pg.Client> {
    if (this.publisher) return this.publisher;
    const client = await this.newClient();
    client.on('error', (error) => {
      // An idle session that broke (server restart, terminated backend): reopened on the next announce.
      if (this.publisher === client) this.publisher = null;
      this.report(new WakeSignalsError(`the publishing session failed: ${error.message}`, { cause: error }));
      void this.end(client);
    });
    try {
      await client.connect();
    } catch (error) {
      await this.end(client);
      throw this.connectError(error);
    }
    this.publisher = client;
    return client;
  }

  listen(handler: (dueAt: number, kind: WakeKind) => void, onError: (error: unknown) => void): () => Promise<void> {
    if (this.closed) throw new WakeSignalsError('listen after close: create a new instance');
    if (this.listening)
      throw new WakeSignalsError(
        'already listening: one handler at a time per instance (unlisten first, or create another instance)',
      );
    const state: ListenState = {
      handler,
      onError,
      active: true,
      client: null,
      backoff: null,
      loop: Promise.resolve(),
    };
    this.listening = state;
    state.loop = this.listenLoop(state);
    let stopping: Promise<void> | null = null;
    return () => {
      stopping ??= this.unlisten(state);
      return stopping;
    };
  }

  private async unlisten(state: ListenState): Promise<void> {
    state.active = false;
    state.backoff?.cancel();
    const client = state.client;
    state.client = null;
    if (client) await this.end(client);
    await state.loop;
    if (this.listening === state) this.listening = null;
  }

  /** Holds one LISTENing session while `state.active`, reopening it with backoff after each failure. */
  private async listenLoop(state: ListenState): Promise<void> {
    let backoffMs = this.minBackoffMs;
    while (state.active) {
      let failure: unknown;
      try {
        const session = await this.holdSession(state);
        if (session.listened) backoffMs = this.minBackoffMs;
        failure = session.failure;
      } catch (error) {
        failure = error; // a client that could not even be made (a malformed URL)
      }
      if (!state.active) break;
      this.report(
        new WakeSignalsError(
          `the listening session on '${this.channel}' failed (reconnecting in ${backoffMs} ms): ${failure instanceof Error ? failure.message : String(failure)}`,
          { cause: failure },
        ),
      );
      state.backoff = pause(backoffMs);
      await state.backoff.done;
      state.backoff = null;
      backoffMs = Math.min(this.maxBackoffMs, backoffMs * 2);
    }
  }

  /**
   * Opens one session, LISTENs, and holds it until it fails or ends; then ends it. Returns why
   * it ended, and whether it got as far as listening.
   */
  private async holdSession(state: ListenState): Promise<{ failure: unknown; listened: boolean }> {
    const client = await this.newClient();
    if (!state.active) return { failure: null, listened: false };
    // Settles when the session ends or fails, whichever first.
    const lost = new Promise<Error | null>((resolve) => {
      client.on('error', (error) => resolve(error));
      client.on('end', () => resolve(null));
    });
    client.on('notification', (message) => {
      if (state.active && message.channel === this.channel) this.receive(state, message.payload);
    });
    state.client = client;
    const ready = (async () => {
      try {
        await client.connect();
      } catch (error) {
        throw this.connectError(error);
      }
      await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
    })();
    // pg never settles `connect()` when the session is ended while connecting (an unlisten
    // then), so the session's end counts as well. Both branches handle a rejection: the
    // failure that wins is the one reported; the other is the same failure seen later.
    const outcome = await Promise.race([
      ready.then(
        () => ({ failure: null, listened: true }),
        (error: unknown) => ({ failure: error ?? new WakeSignalsError('LISTEN failed'), listened: false }),
      ),
      lost.then((error) => ({
        failure: error ?? new WakeSignalsError('the listening session ended'),
        listened: false,
      })),
    ]);
    let failure: unknown = outcome.failure;
    if (outcome.listened) failure = (await lost) ?? new WakeSignalsError('the listening session ended');
    if (state.client === client) {
      state.client = null;
      await this.end(client);
    }
    return { failure, listened: outcome.listened };
  }

  private receive(state: ListenState, payload: string | undefined): void {
    const match = PAYLOAD.exec(payload ?? '');
    const dueAt = match ? Number(match[2]) : NaN;
    if (!match || !Number.isSafeInteger(dueAt)) {
      if (!this.malformedReported) {
        this.malformedReported = true;
        this.report(
          new WakeSignalsError(
            `malformed payload on '${this.channel}' ignored (reported once): ${JSON.stringify(payload ?? null).slice(0, 200)}`,
          ),
        );
      }
      return;
    }
    if (match[1] === this.senderId) return;
    try {
      state.handler(dueAt, match[3] === undefined ? 'schedules' : 'tasks');
    } catch (error) {
      this.report(error);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.closed = true;
    if (this.listening) await this.unlisten(this.listening);
    await this.flushing;
    const publisher = this.publisher;
    this.publisher = null;
    if (publisher) await this.end(publisher);
  }
}
