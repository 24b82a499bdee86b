/**
 * The one order a fusion runtime (a cart's, a walk-out store's) takes its batches in, and what
 * a failed batch leaves behind. A batch that fails half-way (storage down) may have written raw
 * events whose basket events it did not append: the runtime's fusion state is then ahead of the
 * sessions' streams, so the next batch first rebuilds it from the raw log (`recover`).
 */
export interface RecoveringQueue {
  /** the batch running now (or the last one): the next waits for it */
  queue: Promise<unknown>;
  /** set when a batch (or a start-up recovery) failed: the next batch recovers first */
  needsRecovery: boolean;
}

/** Runs `batch` after every batch queued before it, recovering first when the last one failed. */
export function runInOrder<T>(
  rt: RecoveringQueue,
  recover: () => Promise<void>,
  batch: () => Promise<T>,
): Promise<T> {
  const run = rt.queue.then(async () => {
    try {
      if (rt.needsRecovery) {
        await recover();
        rt.needsRecovery = false;
      }
      return await batch();
    } catch (err) {
      rt.needsRecovery = true;
      throw err;
    }
  });
  rt.queue = run.catch(() => {});
  return run;
}
