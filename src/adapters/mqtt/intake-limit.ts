/**
 * The bound on work taken in but not yet recorded: MQTT messages (carts' and devices') that a
 * gateway has accepted from the broker and whose ingest has not finished. One instance per
 * server process, shared by the cart and device gateways.
 *
 * Why it exists: when the server falls behind, the gateways' per-cart and per-store inboxes
 * grow with whatever the broker hands over — behind an external broker up to its receive
 * maximum (65,535 messages, of up to 256 KiB each) — so memory was bounded by nothing the
 * operator chose.
 *
 * What happens at the limit: intake **pauses**, nothing is refused and nothing is dropped. A
 * message that finds no room waits (first come, first served, so one cart's messages keep their
 * order) and its broker is not read meanwhile: behind an external broker mqtt.js reads the next
 * packet only once the waiting one is admitted, so the broker keeps the rest in the server's
 * persistent session; on the embedded broker the hook that carries the message waits, and aedes
 * reads nothing more from that connection until it answers, so the cart keeps the rest. A
 * refusal was the alternative: MQTT 3.1.1 has no negative PUBACK, so a refused QoS 1 message
 * is either acknowledged (lost) or left unacknowledged with its connection dropped (resent only
 * after a reconnect); pausing keeps every message where it already is, with the sender. Each
 * wait is counted (`skiplane_intake_waits_total`, `skiplane_intake_wait_seconds_total`) and the
 * load is a gauge (`skiplane_intake_in_flight{unit}`), so a store that keeps hitting the limit
 * shows it.
 *
 * A message larger than the byte limit is admitted when nothing else is in flight, so it
 * cannot wait for ever.
 */

/** What the limiter reports: the metrics adapter implements it. */
export interface IntakeLimitObserver {
  /** messages and bytes in flight after each change (optional: the load can be read instead) */
  inFlight?(messages: number, bytes: number): void;
  /** a message waited `seconds` for room */
  waited(seconds: number): void;
}

export interface IntakeLimitOptions {
  /** messages in flight at most */
  maxMessages: number;
  /** payload bytes in flight at most */
  maxBytes: number;
  observer?: IntakeLimitObserver;
  /** monotonic clock, ms (default performance.now) */
  now?: () => number;
}

interface Waiter {
  bytes: number;
  since: number;
  start: () => void;
}

export class IntakeLimit {
  private messages = 0;
  private bytes = 0;
  private readonly waiting: Waiter[] = [];
  private readonly now: () => number;

  constructor(private readonly options: IntakeLimitOptions) {
    if (!(options.maxMessages >= 1) || !(options.maxBytes >= 1)) throw new Error("intake limits must be ≥ 1");
    this.now = options.now ?? (() => performance.now());
  }

  /** Messages and payload bytes in flight, and messages waiting for room. */
  get load(): { messages: number; bytes: number; waiting: number } {
    return { messages: this.messages, bytes: this.bytes, waiting: this.waiting.length };
  }

  /**
   * Takes a message of `bytes` in: calls `start` now when there is room, else once there is, in
   * arrival order — synchronously inside the `release` that made room, so nothing that arrives
   * meanwhile can overtake it. Every start is paired with one `release(bytes)`.
   */
  admit(bytes: number, start: () => void): void {
    if (this.waiting.length === 0 && this.fits(bytes)) {
      this.take(bytes);
      start();
      return;
    }
    this.waiting.push({ bytes, since: this.now(), start });
  }

  /**
   * Runs `work` for a message of `bytes` once admitted, releasing its room when the work settles
   * (recorded, refused or failed); the promise settles with it. `work` starts synchronously inside
   * the admission, so the caller's order holds.
   */
  run(bytes: number, work: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.admit(bytes, () => {
        work().then(
          () => {
            this.release(bytes);
            resolve();
          },
          (err: unknown) => {
            this.release(bytes);
            reject(err);
          },
        );
      });
    });
  }

  /** A message started earlier is done (recorded, refused or failed). */
  release(bytes: number): void {
    this.messages--;
    this.bytes -= bytes;
    while (this.waiting.length > 0 && this.fits(this.waiting[0].bytes)) {
      const w = this.waiting.shift() as Waiter;
      this.options.observer?.waited((this.now() - w.since) / 1000);
      this.take(w.bytes);
      w.start();
    }
    this.options.observer?.inFlight?.(this.messages, this.bytes);
  }

  private fits(bytes: number): boolean {
    if (this.messages === 0) return true;
    return this.messages < this.options.maxMessages && this.bytes + bytes <= this.options.maxBytes;
  }

  private take(bytes: number): void {
    this.messages++;
    this.bytes += bytes;
    this.options.observer?.inFlight?.(this.messages, this.bytes);
  }
}
