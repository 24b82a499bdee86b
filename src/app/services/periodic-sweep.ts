/**
 * A sweep run on a timer (the silent-session sweeps of decision 0108 and 0109): never two at
 * once (a slow sweep makes the next tick skip), a failure reported and retried by the next
 * tick, the timer unref'd so it keeps no process alive.
 */
export function sweepPeriodically<T>(
  sweep: () => Promise<T[]>,
  everyMs: number,
  options: {
    onDone?: (done: T[]) => void | Promise<void>;
    /** call `onDone` after every sweep, an empty one too */
    always?: boolean;
    onError?: (err: unknown) => void;
  },
): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .then(async (done) => {
        if (done.length > 0 || options.always) await options.onDone?.(done);
      })
      .catch((err: unknown) => options.onError?.(err))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** How often to sweep for sessions silent for `minutes`: a quarter of it, at most a minute. */
export function sweepInterval(minutes: number[]): number | undefined {
  const set = minutes.filter((m) => m > 0);
  if (set.length === 0) return undefined;
  return Math.min(60_000, (Math.min(...set) * 60_000) / 4);
}
