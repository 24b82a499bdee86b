/**
 * Which carts are online when the server does not hold their connections (an external broker:
 * the embedded broker knows its clients). Two signals, both from what reaches the server:
 *
 *  - the cart's status topic (`skiplane/v1/{store}/carts/{cart}/status`, an optional additive
 *    extension of exchange-v1 §5): `{"online": true}` published retained when the cart connects
 *    and `{"online": false}` as its retained last will, which the broker publishes when the
 *    connection ends without a clean DISCONNECT (a cart that disconnects cleanly publishes it
 *    itself first, or, on MQTT 5, disconnects with reason 0x04 so the broker sends the will).
 *    The subscription is not shared, so every server process sees every cart's status, and the
 *    retained messages tell a restarted server at once;
 *  - activity, for carts that do not announce themselves (every cart built to plain §5): a cart
 *    sends its scale samples about 4 times a second while powered, so one whose events arrived
 *    within `windowMs` is online.
 *
 * A cart is online when its latest status says so, or when its events arrived within the
 * window and after its latest status (a cart that came back before its new status arrived).
 */
import { z } from "zod";

/** The status payload (edge validation): other fields are allowed and ignored. */
export const cartStatusSchema = z.object({ online: z.boolean() });

export interface CartPresenceOptions {
  /** a cart without a status is online this long after its last events; default 10 s */
  windowMs?: number;
  now?: () => number;
}

interface Seen {
  /** when its last events arrived */
  seen?: number;
  /** its latest status, and when it arrived */
  online?: boolean;
  statusAt?: number;
}

export class CartPresence {
  private readonly carts = new Map<string, Seen>();
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: CartPresenceOptions = {}) {
    this.windowMs = options.windowMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** The cart's events arrived. */
  seen(cart: string): void {
    const c = this.entry(cart);
    c.seen = this.now();
  }

  /**
   * A message on the cart's status topic. An empty payload (a retained status cleared) forgets
   * the status; a payload that is not `{"online": boolean}` is ignored. Returns whether it was taken.
   */
  status(cart: string, payload: Buffer | Uint8Array): boolean {
    if (payload.length === 0) {
      const c = this.carts.get(cart);
      if (c) {
        c.online = undefined;
        c.statusAt = undefined;
      }
      return true;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(payload).toString("utf8"));
    } catch {
      return false;
    }
    const r = cartStatusSchema.safeParse(parsed);
    if (!r.success) return false;
    const c = this.entry(cart);
    c.online = r.data.online;
    c.statusAt = this.now();
    return true;
  }

  /** Carts online now (cart ids). */
  online(): Set<string> {
    const now = this.now();
    const out = new Set<string>();
    for (const [cart, c] of this.carts) {
      const active = c.seen !== undefined && now - c.seen <= this.windowMs;
      if (c.online === true || (active && (c.statusAt === undefined || c.seen! >= c.statusAt))) out.add(cart);
    }
    return out;
  }

  private entry(cart: string): Seen {
    let c = this.carts.get(cart);
    if (!c) {
      c = {};
      this.carts.set(cart, c);
    }
    return c;
  }
}
