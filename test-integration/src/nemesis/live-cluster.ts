import { startNode, stopNode, type ClusterNode, type ClusterOptions } from '../cluster.js';

/**
 * Node processes in numbered slots, restartable: a restarted slot gets a new process with a new
 * id (`n2`, then `n2.1`, `n2.2`, ...), so every record and fault names one incarnation.
 */
export class LiveCluster {
  /** The current process of each slot. */
  readonly slots: ClusterNode[];
  /** Every process ever started, in order. */
  readonly all: ClusterNode[] = [];
  private readonly restarts: number[];

  /**
   * @param options - how to start nodes
   * @param count - number of slots
   * @param extraArgs - per-slot extra arguments of `rookery node` (clock offsets)
   * @param dbUrl - per-slot database URL (through the slot's fault proxy); `options.db` without it
   */
  constructor(
    private readonly options: ClusterOptions,
    count: number,
    private readonly extraArgs: (slot: number) => string[] = () => [],
    private readonly dbUrl?: (slot: number) => string,
  ) {
    this.restarts = Array.from({ length: count }, () => 0);
    this.slots = Array.from({ length: count }, (_, i) => this.spawn(i, `n${i + 1}`));
  }

  private spawn(slot: number, id: string): ClusterNode {
    const node = startNode({ ...this.options, db: this.dbUrl?.(slot) ?? this.options.db }, id, this.extraArgs(slot));
    this.all.push(node);
    return node;
  }

  /** The current process of `slot`. */
  node(slot: number): ClusterNode {
    const node = this.slots[slot];
    if (!node) throw new Error(`no slot ${slot}`);
    return node;
  }

  /** The pid of the current process of `slot`. */
  pid(slot: number): number {
    const pid = this.node(slot).child.pid;
    if (pid === undefined) throw new Error(`slot ${slot} has no pid`);
    return pid;
  }

  /** True while the current process of `slot` has not exited. */
  alive(slot: number): boolean {
    const { child } = this.node(slot);
    return child.exitCode === null && child.signalCode === null;
  }

  /** Starts a new process in `slot` (the old one must have exited). */
  restart(slot: number): ClusterNode {
    if (this.alive(slot)) throw new Error(`slot ${slot} is still running`);
    this.restarts[slot] = (this.restarts[slot] ?? 0) + 1;
    const node = this.spawn(slot, `n${slot + 1}.${this.restarts[slot]}`);
    this.slots[slot] = node;
    return node;
  }

  /** SIGKILLs the current process of `slot` and waits until it is gone. */
  async kill(slot: number): Promise<void> {
    const node = this.node(slot);
    node.child.kill('SIGKILL');
    await node.exited;
  }

  /** Stops every live process gracefully; returns their exit codes. */
  async stopAll(): Promise<(number | string)[]> {
    return Promise.all(this.slots.map((n) => stopNode(n)));
  }

  /** Kills whatever is left (resuming paused processes first). */
  async dispose(): Promise<void> {
    for (const n of this.all) {
      if (n.child.exitCode !== null || n.child.signalCode !== null) continue;
      n.child.kill('SIGCONT');
      n.child.kill('SIGKILL');
      await n.exited;
    }
  }
}
