import { spawn, type ChildProcess } from 'node:child_process';

/** Child processes that each spin one core, the "busy machine" beside a run. */
export interface BusyLoops {
  /** Their pids. */
  pids: number[];
  /** Ends them (SIGKILL) and waits for them to exit. */
  stop(): Promise<void>;
}

/** Starts `count` Node processes that spin (`for (;;) {}`) until {@link BusyLoops.stop}. */
export function startBusyLoops(count: number): BusyLoops {
  const children: ChildProcess[] = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
  const exited = children.map((c) => new Promise<void>((resolve) => c.once('exit', () => resolve())));
  return {
    pids: children.flatMap((c) => (c.pid === undefined ? [] : [c.pid])),
    async stop() {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await Promise.all(exited);
    },
  };
}
