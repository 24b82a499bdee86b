/**
 * Failed authentications per client address: after `max` failures within a window of `windowMs`,
 * that address's further attempts are refused without being checked until the window ends
 * (HTTP 429 with Retry-After; `/ws` closes 4429).
 *
 * Only failures count. A wrong cart secret costs an scrypt check (docs/server.md "Carts"); a right
 * one is remembered and costs a hash, so a shop's carts reconnecting together behind one address
 * are never throttled, while one address trying secrets or keys is — and so are its own valid
 * attempts during its block. A fixed window per address; at most `maxAddresses` are tracked (the
 * oldest dropped first), so a flood of addresses cannot grow memory without bound. An IPv6 address
 * counts by its /64 (`limitKey`): one subscriber is usually handed a whole /64, and counting each
 * of its 2^64 addresses apart would be no limit.
 */
export interface AuthFailureLimitOptions {
  /** failures allowed per address and window; 0 turns the limit off */
  max: number;
  windowMs?: number;
  maxAddresses?: number;
  now?: () => number;
}

export class AuthFailureLimit {
  private readonly windows = new Map<string, { start: number; failures: number }>();
  private readonly windowMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;

  constructor(private readonly o: AuthFailureLimitOptions) {
    this.windowMs = o.windowMs ?? 60_000;
    this.maxAddresses = o.maxAddresses ?? 100_000;
    this.now = o.now ?? Date.now;
  }

  /** ms until `address` may try again; 0 when it may try now. */
  retryAfterMs(address: string): number {
    if (this.o.max <= 0) return 0;
    const w = this.windows.get(address);
    if (!w) return 0;
    const left = w.start + this.windowMs - this.now();
    if (left <= 0) {
      this.windows.delete(address);
      return 0;
    }
    return w.failures >= this.o.max ? left : 0;
  }

  /** `address` failed to authenticate once more. */
  failed(address: string): void {
    if (this.o.max <= 0) return;
    const now = this.now();
    const w = this.windows.get(address);
    if (w && now - w.start < this.windowMs) {
      w.failures++;
      return;
    }
    this.windows.delete(address);
    // windows are kept in the order they started (a new one goes last), so the expired ones, and
    // past the bound the oldest, are at the front
    for (const [a, x] of this.windows) {
      if (now - x.start < this.windowMs && this.windows.size < this.maxAddresses) break;
      this.windows.delete(a);
    }
    this.windows.set(address, { start: now, failures: 1 });
  }
}

/**
 * The address a failure counts against: an IPv4 address as it is (an IPv4-mapped IPv6 one as its
 * IPv4), an IPv6 address by its first 64 bits.
 */
export function limitKey(address: string): string {
  if (!address.includes(":")) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  const [head, tail] = address.split("%")[0].toLowerCase().split("::");
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups =
    tail === undefined ? h : [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
