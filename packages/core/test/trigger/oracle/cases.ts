import fc from 'fast-check';
import { FIELD_RANGES, ZoneClock, type CronItem, type CronSpec, type DstRule, type FieldName } from './reference.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Zones and their weights: mostly ones with DST, among them unusual shifts and midnight changes. */
export const ORACLE_ZONES: readonly { tz: string; weight: number }[] = [
  { tz: 'Australia/Lord_Howe', weight: 4 }, // 30-minute shift
  { tz: 'America/Santiago', weight: 4 }, // changes at midnight
  { tz: 'America/Havana', weight: 4 }, // changes at midnight
  { tz: 'Europe/London', weight: 3 },
  { tz: 'America/New_York', weight: 3 },
  { tz: 'Pacific/Chatham', weight: 2 }, // +12:45 / +13:45
  { tz: 'America/Sao_Paulo', weight: 1 }, // midnight changes until 2019
  { tz: 'Asia/Tehran', weight: 1 }, // +03:30, DST until 2022
  { tz: 'Asia/Kolkata', weight: 1 }, // no DST
  { tz: 'UTC', weight: 1 },
];

/** Years whose transitions start instants are aimed at. */
const FROM_YEAR = 2000;
const TO_YEAR = 2038;

/** A cron case: the next `count` fire times after `after`. */
export interface CronCase {
  /** Discriminator. */
  kind: 'cron';
  /** The cron fields. */
  spec: CronSpec;
  /** IANA zone. */
  tz: string;
  /** Start instant, epoch ms (exclusive). */
  after: number;
  /** DST rules. */
  dst: DstRule;
  /** How many successive fire times are compared. */
  count: number;
}

/** An interval case. */
export interface IntervalCase {
  /** Discriminator. */
  kind: 'interval';
  /** Anchor instant, epoch ms. */
  anchor: number;
  /** Period, ms. */
  everyMs: number;
  /** Start instant, epoch ms (exclusive). */
  after: number;
  /** How many successive fire times are compared. */
  count: number;
}

/** A one-time case. */
export interface OnceCase {
  /** Discriminator. */
  kind: 'once';
  /** The instant. */
  at: number;
  /** Start instant, epoch ms (exclusive). */
  after: number;
}

/** Any oracle case. */
export type OracleCase = CronCase | IntervalCase | OnceCase;

const clocks = new Map<string, ZoneClock>();
/** The shared reference clock of a zone. */
export function zoneClock(tz: string): ZoneClock {
  let c = clocks.get(tz);
  if (c === undefined) {
    c = new ZoneClock(tz);
    clocks.set(tz, c);
  }
  return c;
}

const transitionsByZone = new Map<string, number[]>();
function transitionsOf(tz: string): number[] {
  let list = transitionsByZone.get(tz);
  if (list === undefined) {
    list = zoneClock(tz).transitions(FROM_YEAR, TO_YEAR);
    transitionsByZone.set(tz, list);
  }
  return list;
}

function itemArb(field: FieldName, hot: readonly number[]): fc.Arbitrary<CronItem> {
  const { min, max, names } = FIELD_RANGES[field];
  // croner's arrays: 7 weekdays, so a day-of-week step stays within 7
  const maxStep = field === 'dow' ? 7 : max - min + 1;
  const valueArb = fc.oneof(fc.integer({ min, max }), ...(hot.length > 0 ? [fc.constantFrom(...hot)] : []));
  const canName = names !== null;
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ value: valueArb, name: fc.boolean() }).map(({ value, name }): CronItem => ({
        kind: 'value',
        value,
        name: canName && name && !(field === 'dow' && value === 7),
      })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({
          a: valueArb,
          b: fc.integer({ min, max }),
          step: fc.option(fc.integer({ min: 1, max: maxStep }), { nil: null }),
          name: fc.boolean(),
        })
        .map(({ a, b, step, name }): CronItem => {
          const from = Math.min(a, b);
          const to = Math.max(a, b);
          return { kind: 'range', from, to, step, name: canName && name && !(field === 'dow' && from === 7) };
        }),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: maxStep }).map((step): CronItem => ({ kind: 'star-step', step })),
    },
  );
}

/** A field: `*` with weight `star`, else a list of 1–3 items. */
function fieldArb(field: FieldName, star: number, hot: readonly number[] = []): fc.Arbitrary<CronItem[]> {
  return fc.oneof(
    { weight: star, arbitrary: fc.constant<CronItem[]>([{ kind: 'star' }]) },
    { weight: 4, arbitrary: fc.array(itemArb(field, hot), { minLength: 1, maxLength: 3 }) },
  );
}

const NICKNAMES: Record<string, Omit<CronSpec, 'nickname' | 'second'>> = (() => {
  const v = (value: number): CronItem[] => [{ kind: 'value', value, name: false }];
  const star: CronItem[] = [{ kind: 'star' }];
  return {
    '@yearly': { minute: v(0), hour: v(0), dom: v(1), month: v(1), dow: star },
    '@monthly': { minute: v(0), hour: v(0), dom: v(1), month: star, dow: star },
    '@weekly': { minute: v(0), hour: v(0), dom: star, month: star, dow: v(0) },
    '@daily': { minute: v(0), hour: v(0), dom: star, month: star, dow: star },
    '@hourly': { minute: v(0), hour: star, dom: star, month: star, dow: star },
  };
})();

/**
 * Cron fields: lists, ranges, steps and names in every field, seconds sometimes, values
 * weighted toward the hours and minutes where clocks change. Expressions with seconds mostly
 * leave the day fields open, so that their second-by-second reference stays short.
 */
export const cronSpecArb: fc.Arbitrary<CronSpec> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.constantFrom(...Object.keys(NICKNAMES)).map((n): CronSpec => ({
      ...(NICKNAMES[n] as Omit<CronSpec, 'nickname' | 'second'>),
      second: null,
      nickname: n,
    })),
  },
  {
    weight: 16,
    arbitrary: fc.record({
      second: fc.constant(null),
      minute: fieldArb('minute', 2, [0, 15, 29, 30, 45, 59]),
      hour: fieldArb('hour', 2, [0, 1, 2, 3, 22, 23]),
      dom: fieldArb('dom', 6, [1, 6, 7, 8, 29, 30, 31]),
      month: fieldArb('month', 8, [3, 4, 9, 10, 11]),
      dow: fieldArb('dow', 6, [0, 6, 7]),
      nickname: fc.constant(null),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      second: fieldArb('second', 1, [0, 30, 59]),
      minute: fieldArb('minute', 3, [0, 29, 30, 59]),
      hour: fieldArb('hour', 3, [0, 1, 2, 3, 23]),
      dom: fieldArb('dom', 20),
      month: fieldArb('month', 20),
      dow: fieldArb('dow', 20),
      nickname: fc.constant(null),
    }),
  },
);

const dstArb: fc.Arbitrary<DstRule> = fc.record({
  gap: fc.constantFrom<DstRule['gap']>('run-after-gap', 'skip'),
  overlap: fc.constantFrom<DstRule['overlap']>('first', 'last', 'both'),
});

const UNIFORM_FROM = Date.UTC(1995, 0, 1);
const UNIFORM_TO = Date.UTC(2040, 0, 1);

/** A start instant in `tz`: mostly near one of its offset changes, sometimes anywhere in 1995–2040. */
function afterArb(tz: string): fc.Arbitrary<number> {
  const uniform = fc.integer({ min: UNIFORM_FROM, max: UNIFORM_TO });
  const list = transitionsOf(tz);
  if (list.length === 0) return uniform;
  const near = fc
    .record({
      transition: fc.constantFrom(...list),
      shift: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: -36 * HOUR, max: 36 * HOUR }) },
        { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }) },
        {
          weight: 1,
          arbitrary: fc
            .record({ h: fc.integer({ min: -3, max: 3 }), e: fc.constantFrom(-1, 0, 1) })
            .map(({ h, e }) => h * 30 * MINUTE + e),
        },
      ),
      grid: fc.constantFrom(1, 1, SECOND, MINUTE, 30 * MINUTE),
    })
    .map(({ transition, shift, grid }) => Math.floor((transition + shift) / grid) * grid);
  return fc.oneof({ weight: 5, arbitrary: near }, { weight: 1, arbitrary: uniform });
}

const zoneArb: fc.Arbitrary<string> = fc.oneof(
  ...ORACLE_ZONES.map(({ tz, weight }) => ({ weight, arbitrary: fc.constant(tz) })),
);

/** A cron case. */
export const cronCaseArb: fc.Arbitrary<CronCase> = zoneArb.chain((tz) =>
  fc.record({
    kind: fc.constant<'cron'>('cron'),
    spec: cronSpecArb,
    tz: fc.constant(tz),
    after: afterArb(tz),
    dst: dstArb,
    count: fc.integer({ min: 1, max: 4 }),
  }),
);

const MAX_INSTANT = 8.64e15;
const YEAR = 365.25 * 24 * HOUR;

/** An interval case: periods from a second to 100 years, anchors anywhere in the `Date` range. */
export const intervalCaseArb: fc.Arbitrary<IntervalCase> = fc.record({
  kind: fc.constant<'interval'>('interval'),
  everyMs: fc.oneof(
    fc.integer({ min: 1000, max: 10 * 60 * 1000 }),
    fc.integer({ min: 1000, max: 40 * 24 * HOUR }),
    fc.integer({ min: 1000, max: 100 * YEAR }),
    fc.constantFrom(1000, 60_000, 3_600_000, 86_400_000, 100 * YEAR),
  ),
  anchor: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: UNIFORM_FROM, max: UNIFORM_TO }) },
    { weight: 1, arbitrary: fc.integer({ min: -MAX_INSTANT, max: MAX_INSTANT }) },
    { weight: 1, arbitrary: fc.constantFrom(-MAX_INSTANT, MAX_INSTANT, 0) },
  ),
  after: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: UNIFORM_FROM, max: UNIFORM_TO }) },
    { weight: 1, arbitrary: fc.integer({ min: -MAX_INSTANT, max: MAX_INSTANT }) },
    { weight: 1, arbitrary: fc.constantFrom(-MAX_INSTANT, MAX_INSTANT - 1, 0) },
  ),
  count: fc.integer({ min: 1, max: 5 }),
});

/** A one-time case: the start before, at or after the instant. */
export const onceCaseArb: fc.Arbitrary<OnceCase> = fc
  .record({
    at: fc.integer({ min: -MAX_INSTANT, max: MAX_INSTANT }),
    delta: fc.oneof(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -YEAR, max: YEAR })),
  })
  .map(({ at, delta }) => ({
    kind: 'once' as const,
    at,
    after: Math.max(-MAX_INSTANT, Math.min(MAX_INSTANT, at + delta)),
  }));

/** Every case kind, cron most often. */
export const oracleCaseArb: fc.Arbitrary<OracleCase> = fc.oneof(
  { weight: 8, arbitrary: cronCaseArb },
  { weight: 1, arbitrary: intervalCaseArb },
  { weight: 1, arbitrary: onceCaseArb },
);
