/** A cancellable sleep. */
export interface Pause {
  /** Settles when the sleep ends, or at once when it is cancelled. */
  done: Promise<void>;
  /** Ends the sleep now. */
  cancel(): void;
}

/** Sleeps `ms`, or less when cancelled. */
export function pause(ms: number): Pause {
  let timer: NodeJS.Timeout | undefined;
  let resolve: () => void = () => undefined;
  const done = new Promise<void>((r) => {
    resolve = r;
    timer = setTimeout(r, ms);
  });
  return {
    done,
    cancel: () => {
      clearTimeout(timer);
      resolve();
    },
  };
}
