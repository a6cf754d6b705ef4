/**
 * When a schedule fires. Every instant is epoch milliseconds, UTC.
 *
 * - `cron`: 5 fields (minute precision) or 6 (seconds first), evaluated in the IANA zone `tz`
 *   (default `UTC`), never in the server's own zone. Day-of-month and day-of-week, when both
 *   are restricted, combine with OR (classic cron).
 * - `interval`: fixed rate: fire times are `anchor + k * everyMs` for whole k, so they never
 *   drift however late a run starts.
 * - `once`: a single instant.
 * - `after-run`: the next fire time is `delayMs` after the previous run ended; the first fire
 *   time is `firstAt` (default: when the schedule is created).
 */
export type Trigger = CronTrigger | IntervalTrigger | OnceTrigger | AfterRunTrigger;

/** A cron expression in an IANA time zone. */
export interface CronTrigger {
  /** Discriminator. */
  kind: 'cron';
  /** 5 or 6 fields; with 6 the first is seconds. */
  expr: string;
  /** IANA zone name, such as `Europe/Berlin`. @defaultValue `'UTC'` */
  tz?: string;
}

/** A fixed rate from an anchor instant. */
export interface IntervalTrigger {
  /** Discriminator. */
  kind: 'interval';
  /** Period in milliseconds: a whole number from 1 000 to 100 years. */
  everyMs: number;
  /** An instant the sequence passes through. @defaultValue the schedule's creation time */
  anchor?: number;
}

/** One instant. */
export interface OnceTrigger {
  /** Discriminator. */
  kind: 'once';
  /** The instant, epoch milliseconds. */
  at: number;
}

/** A delay after the previous run ends. */
export interface AfterRunTrigger {
  /** Discriminator. */
  kind: 'after-run';
  /** Milliseconds between the end of one run and the next fire time. */
  delayMs: number;
  /** First fire time. @defaultValue the schedule's creation time */
  firstAt?: number;
}

/** The kinds of trigger. */
export type TriggerKind = Trigger['kind'];
