import { ValidationError } from '../errors/validation-error.js';
import type { BuiltInRetryKind, DeliveryMode, DuplicatePolicyName, TaskCreationName } from '../model/policies.js';
import { builtInMisfireStrategies, type MisfireStrategy } from './misfire.js';
import { exponentialRetry, fixedRetry, noRetry, type RetryStrategy } from './retry.js';

/**
 * A duplicate (overlap) policy. The datastore carries it out by name inside its claim (`skip`:
 * the task must take its schedule's run slot), so the kind is closed to the built-in names
 * (see {@link ClosedStrategyKind}); the entry declares what each needs.
 */
export interface DuplicateStrategy {
  /** True when a task must hold its schedule's run slot to start (cluster-wide exclusion). */
  needsRunSlot: boolean;
}

/** When a task-creation strategy lets the next task be peeled. */
export interface TaskCreationStrategy {
  /** `null`: peel ahead by time; `start`/`end`: wait for the previous task's start or end. */
  gate: 'start' | 'end' | null;
}

/** What happens to an attempt whose lease was lost. */
export interface DeliveryStrategy {
  /** `rerun` the task (at-least-once) or record it `abandoned` (at-most-once). */
  onLeaseLost: 'rerun' | 'abandon';
}

/** Every kind of strategy the registry holds, by kind. */
export interface StrategyKinds {
  /** Retry strategies, by `RetryPolicy.kind`. */
  retry: RetryStrategy;
  /** Misfire strategies, by misfire policy name. */
  misfire: MisfireStrategy;
  /** Duplicate policies. */
  duplicate: DuplicateStrategy;
  /** Task-creation strategies. */
  taskCreation: TaskCreationStrategy;
  /** Delivery modes. */
  delivery: DeliveryStrategy;
}

/** A kind of strategy. */
export type StrategyKind = keyof StrategyKinds;

/** The kinds a user may register strategies of: the node and the client call them. */
export type OpenStrategyKind = 'retry' | 'misfire';

/**
 * The kinds closed to their built-in names: every datastore carries them out in its own
 * statements (the duplicate policy in the claim, the delivery mode in repair, the task creation
 * policy in the schedule's gate), where no registered JavaScript can run. The registry always
 * holds them and refuses to register or replace one.
 */
export type ClosedStrategyKind = Exclude<StrategyKind, OpenStrategyKind>;

/**
 * Named strategies, chosen per schedule by the names in its policies. Every built-in retry and
 * misfire strategy is registered by {@link createStrategyRegistry}; a user can replace one or add
 * their own (the {@link ClosedStrategyKind}s are held by every registry, built-ins only):
 *
 * @example
 * ```ts
 * const registry = createStrategyRegistry();
 * registry.register('retry', 'fixed', (policy, failures) => failures < policy.maxAttempts ? 5_000 : null);
 * ```
 * A schedule naming a strategy that is not registered is refused when it is created.
 */
export class StrategyRegistry {
  private readonly byKind = new Map<OpenStrategyKind, Map<string, unknown>>();

  /**
   * Registers (or replaces) a retry or misfire strategy. A closed kind is refused with a
   * ValidationError on `kind`.
   */
  register<K extends OpenStrategyKind>(kind: K, name: string, strategy: StrategyKinds[K]): this {
    const asked = kind as StrategyKind; // a closed kind can still come from untyped callers
    if (isClosedKind(asked)) {
      const names = [...closedStrategies[asked].keys()].join(', ');
      throw new ValidationError(
        'kind',
        `${kind} strategies are built in (${names}) and carried out by the datastore; '${name}' cannot be registered`,
      );
    }
    let named = this.byKind.get(kind);
    if (!named) {
      named = new Map();
      this.byKind.set(kind, named);
    }
    named.set(name, strategy);
    return this;
  }

  /** True when `name` is registered under `kind`. */
  has(kind: StrategyKind, name: string): boolean {
    return this.named(kind)?.has(name) ?? false;
  }

  /** The registered names of a kind. */
  names(kind: StrategyKind): string[] {
    return [...(this.named(kind)?.keys() ?? [])];
  }

  /** The strategy `name` of `kind`; throws a ValidationError on `field` when it is not registered. */
  get<K extends StrategyKind>(kind: K, name: string, field: string = `policies.${kind}`): StrategyKinds[K] {
    const strategy = this.named(kind)?.get(name);
    if (strategy === undefined) {
      throw new ValidationError(
        field,
        `no ${kind} strategy '${name}' is registered (registered: ${this.names(kind).join(', ')})`,
      );
    }
    return strategy as StrategyKinds[K];
  }

  /** The strategies of `kind` by name: the built-ins of a closed kind, else those registered here. */
  private named(kind: StrategyKind): ReadonlyMap<string, unknown> | undefined {
    return isClosedKind(kind) ? closedStrategies[kind] : this.byKind.get(kind);
  }
}

const retries: Record<BuiltInRetryKind, RetryStrategy> = {
  none: noRetry,
  fixed: fixedRetry,
  exponential: exponentialRetry,
};
const duplicates: Readonly<Record<DuplicatePolicyName, DuplicateStrategy>> = {
  run: { needsRunSlot: false },
  skip: { needsRunSlot: true },
  replace: { needsRunSlot: true },
  queue: { needsRunSlot: true },
};
const creations: Readonly<Record<TaskCreationName, TaskCreationStrategy>> = {
  ahead: { gate: null },
  'on-start': { gate: 'start' },
  'on-end': { gate: 'end' },
};
const deliveries: Readonly<Record<DeliveryMode, DeliveryStrategy>> = {
  'at-least-once': { onLeaseLost: 'rerun' },
  'at-most-once': { onLeaseLost: 'abandon' },
};

/** The strategies of every closed kind, by name. */
const closedStrategies: { readonly [K in ClosedStrategyKind]: ReadonlyMap<string, StrategyKinds[K]> } = {
  duplicate: new Map(Object.entries(duplicates)),
  taskCreation: new Map(Object.entries(creations)),
  delivery: new Map(Object.entries(deliveries)),
};

/** True for a kind closed to its built-in names. */
function isClosedKind(kind: StrategyKind): kind is ClosedStrategyKind {
  return Object.hasOwn(closedStrategies, kind);
}

/** A registry holding every built-in strategy (the closed kinds' are in every registry). */
export function createStrategyRegistry(): StrategyRegistry {
  const registry = new StrategyRegistry();
  for (const [name, s] of Object.entries(retries)) registry.register('retry', name, s);
  for (const [name, s] of Object.entries(builtInMisfireStrategies)) registry.register('misfire', name, s);
  return registry;
}
