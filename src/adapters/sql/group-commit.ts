/**
 * Group commit: requests submitted in the same turn of the event loop (all the cart messages
 * the broker read from its sockets in one go) are written by ONE call of `write` — one
 * transaction (SQLite) or one statement (PostgreSQL) — instead of one each. Every request's
 * promise resolves only after that write has committed, so a caller that acknowledges after
 * awaiting it (the MQTT PUBACK) still acknowledges durable data only.
 *
 * Flushing happens on `setImmediate`, i.e. after the current I/O callbacks (or, with `delayMs`,
 * that long after the first request of a batch: fewer, larger commits for a bounded wait). While
 * `maxInFlight` writes are running, new requests wait and go into the next write, so batches
 * grow with the load by themselves. If a batched write fails, each of its
 * requests is retried on its own, so one bad request cannot fail the others.
 */
export interface GroupCommitOptions {
  /** concurrent writes (PostgreSQL may overlap round trips; SQLite writes synchronously); default 1 */
  maxInFlight?: number;
  /** most items per write; default 2,000 (as many waiting are written at once, without delay) */
  maxItems?: number;
  /** wait this long after a batch's first request before writing it; default 0 (next turn) */
  delayMs?: number;
  /** false while the connection cannot take a write now (SQLite: inside another transaction) */
  ready?: () => boolean;
}

interface Request<T, R> {
  items: T[];
  resolve: (r: R[]) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit<T, R> {
  private queue: Request<T, R>[] = [];
  private scheduled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private queued = 0;
  private inFlight = 0;
  /** figures: writes done and items written */
  readonly stats = { writes: 0, items: 0, requests: 0 };

  constructor(
    private readonly write: (items: T[]) => R[] | Promise<R[]>,
    private readonly options: GroupCommitOptions = {},
  ) {}

  submit(items: T[]): Promise<R[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.queued += items.length;
      const delay = this.options.delayMs ?? 0;
      if (delay > 0 && this.queued < (this.options.maxItems ?? 2_000)) {
        this.timer ??= setTimeout(() => {
          this.timer = undefined;
          this.schedule();
        }, delay);
      } else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.queue.length === 0 || this.inFlight >= (this.options.maxInFlight ?? 1)) return;
    if (this.options.ready && !this.options.ready()) return this.schedule();
    const max = this.options.maxItems ?? 2_000;
    const batch: Request<T, R>[] = [];
    let n = 0;
    while (this.queue.length > 0 && (batch.length === 0 || n + this.queue[0].items.length <= max)) {
      const r = this.queue.shift()!;
      batch.push(r);
      n += r.items.length;
    }
    this.queued -= n;
    if (this.queue.length === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.inFlight++;
    try {
      await this.run(batch, n);
    } finally {
      this.inFlight--;
      // more waiting (they came while writing, or did not fit): write them now, not a turn later
      if (this.queue.length > 0) void this.flush();
    }
  }

  private async run(batch: Request<T, R>[], n: number): Promise<void> {
    const items = batch.length === 1 ? batch[0].items : batch.flatMap((r) => r.items);
    let results: R[];
    try {
      results = await this.write(items);
      if (results.length !== n) throw new Error(`group commit: ${results.length} results for ${n} items`);
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      // one request may be the culprit: write each alone
      for (const r of batch) await this.run([r], r.items.length);
      return;
    }
    this.stats.writes++;
    this.stats.items += n;
    this.stats.requests += batch.length;
    let at = 0;
    for (const r of batch) {
      r.resolve(results.slice(at, at + r.items.length));
      at += r.items.length;
    }
  }
}
