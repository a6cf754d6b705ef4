/** What a store tells {@link DatastoreTestHooks.withdrawalChosen} about the withdrawal under way. */
export interface WithdrawalChosen {
  /** The schedule whose planned tasks are withdrawn. */
  scheduleId: string;
  /** The tasks chosen for withdrawal: pending, never started, not yet due when chosen. */
  taskIds: readonly string[];
  /**
   * Whether another caller's write can run before the withdrawal's transaction ends (row
   * locks, READ COMMITTED). False where the store runs one write transaction at a time
   * (SQLite): a write started in the hook then runs after the withdrawal, so the hook must not
   * wait for it.
   */
  othersWriteMeanwhile: boolean;
}

/**
 * Points inside a datastore's operations where a test runs something of its own, to pin an
 * interleaving with another caller that real traffic only makes likely. Each hook is awaited
 * where it is named, inside the operation's transaction. Production code sets none.
 */
export interface DatastoreTestHooks {
  /**
   * A withdrawal of planned tasks (schedule update, pause, retire) has chosen the tasks it
   * withdraws and not yet deleted any of them.
   */
  withdrawalChosen?: (chosen: WithdrawalChosen) => Promise<void>;
}
