/** Resolves once `cond()` holds, checking every `stepMs`; rejects after `ms`. */
export function waitFor(cond: () => boolean, ms = 5000, stepMs = 20): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error("timed out"));
      setTimeout(tick, stepMs);
    };
    tick();
  });
}
