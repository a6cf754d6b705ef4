import { ValidationError } from '../errors/validation-error.js';
import type { BuiltInRetryKind, DeliveryMode, DuplicatePolicyName, TaskCreationName } from '../model/policies.js';
import { builtInMisfireStrategies, type MisfireStrategy } from './misfire.js';
import { exponentialRetry, fixedRetry, noRetry, type RetryStrategy } from './retry.js';

/**
 * A duplicate (overlap) policy. The datastore carries it out by name inside its claim (`skip`:
 * the task must take its schedule's run slot), so registering a name makes it selectable only
 * for a datastore that implements it; the entry declares what it needs.
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

/**
 * Named strategies, chosen per schedule by the names in its policies. Every built-in is
 * registered by {@link createStrategyRegistry}; a user can replace one or add their own:
 *
 * @example
 * ```ts
 * const registry = createStrategyRegistry();
 * registry.register('retry', 'fixed', (policy, failures) => failures < policy.maxAttempts ? 5_000 : null);
 * ```
 * A schedule naming a strategy that is not registered is refused when it is created.
 */
export class StrategyRegistry {
  private readonly byKind = new Map<StrategyKind, Map<string, unknown>>();

  /** Registers (or replaces) a strategy. */
  register<K extends StrategyKind>(kind: K, name: string, strategy: StrategyKinds[K]): this {
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
    return this.byKind.get(kind)?.has(name) ?? false;
  }

  /** The registered names of a kind. */
  names(kind: StrategyKind): string[] {
    return [...(this.byKind.get(kind)?.keys() ?? [])];
  }

  /** The strategy `name` of `kind`; throws a ValidationError on `field` when it is not registered. */
  get<K extends StrategyKind>(kind: K, name: string, field: string = `policies.${kind}`): StrategyKinds[K] {
    const strategy = this.byKind.get(kind)?.get(name);
    if (strategy === undefined) {
      throw new ValidationError(field, `no ${kind} strategy '${name}' is registered (registered: ${this.names(kind).join(', ')})`);
    }
    return strategy as StrategyKinds[K];
  }
}

const retries: Record<BuiltInRetryKind, RetryStrategy> = { none: noRetry, fixed: fixedRetry, exponential: exponentialRetry };
const duplicates: Record<DuplicatePolicyName, DuplicateStrategy> = {
  run: { needsRunSlot: false },
  skip: { needsRunSlot: true },
  replace: { needsRunSlot: true },
  queue: { needsRunSlot: true },
};
const creations: Record<TaskCreationName, TaskCreationStrategy> = {
  ahead: { gate: null },
  'on-start': { gate: 'start' },
  'on-end': { gate: 'end' },
};
const deliveries: Record<DeliveryMode, DeliveryStrategy> = {
  'at-least-once': { onLeaseLost: 'rerun' },
  'at-most-once': { onLeaseLost: 'abandon' },
};

/** A registry holding every built-in strategy. */
export function createStrategyRegistry(): StrategyRegistry {
  const registry = new StrategyRegistry();
  for (const [name, s] of Object.entries(retries)) registry.register('retry', name, s);
  for (const [name, s] of Object.entries(builtInMisfireStrategies)) registry.register('misfire', name, s);
  for (const [name, s] of Object.entries(duplicates)) registry.register('duplicate', name, s);
  for (const [name, s] of Object.entries(creations)) registry.register('taskCreation', name, s);
  for (const [name, s] of Object.entries(deliveries)) registry.register('delivery', name, s);
  return registry;
}
