/**
 * The cancel request a `replace` claim sets on the running task that holds its schedule's run
 * slot. Its node commits the task `cancelled` with this reason behind `cancelled on request: `;
 * repair, if the node died first, with it in its own words. Every store writes the same words.
 */
export function replaceCancelReason(newerTaskId: string): string {
  return `replaced by task ${newerTaskId}`;
}

/**
 * Why a `replace` task stays pending: the task holding its schedule's run slot was asked to
 * cancel and has not ended yet. Every store writes the same words.
 */
export function replaceWaitReason(holderTaskId: string): string {
  return `replacing: waiting for task ${holderTaskId} to end`;
}
