/**
 * Waits for SIGTERM or SIGINT. The first one resolves; a second one while stopping forces
 * the process out with exit code 1.
 */
export function untilSignal(onForce: () => void): { stopped: Promise<string>; dispose(): void } {
  let count = 0;
  let resolve: (signal: string) => void = () => undefined;
  const stopped = new Promise<string>((r) => (resolve = r));
  const handler = (signal: NodeJS.Signals): void => {
    count += 1;
    if (count === 1) resolve(signal);
    else onForce();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    stopped,
    dispose: () => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
    },
  };
}
