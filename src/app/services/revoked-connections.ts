/**
 * Carts revoked behind the server's back keep no broker connection. Revoking through the API
 * disconnects a cart at once; a cart revoked in the database directly (a script, a console) was
 * refused only at its next CONNECT, and until then went on publishing. This sweep looks up every
 * connected cart again every `everyMs` (the same bound as the live sockets' recheck,
 * `http.authRecheckSeconds`) and disconnects those revoked or gone; the broker then refuses
 * their reconnect. One registry lookup per connected cart per round.
 */
import { sweepPeriodically } from "./periodic-sweep";

export interface ConnectedCarts {
  /** cart ids connected to the broker right now */
  online(): Set<string>;
  /** the registry's word on a cart: undefined when unknown */
  lookup(cart: string): Promise<{ revoked: boolean } | undefined>;
  /** disconnects every connection of the cart */
  disconnect(cart: string): void;
}

/** One round: the connected carts found revoked or unknown, disconnected. */
export async function disconnectRevokedCarts(carts: ConnectedCarts): Promise<string[]> {
  const out: string[] = [];
  for (const cart of carts.online()) {
    const r = await carts.lookup(cart);
    if (r && !r.revoked) continue;
    carts.disconnect(cart);
    out.push(cart);
  }
  return out;
}

export function watchRevokedCarts(
  carts: ConnectedCarts,
  everyMs: number,
  options: { onDisconnected?: (carts: string[]) => void; onError?: (err: unknown) => void } = {},
): { stop(): void } {
  return sweepPeriodically(() => disconnectRevokedCarts(carts), everyMs, {
    onDone: (done) => options.onDisconnected?.(done),
    onError: options.onError,
  });
}

/**
 * On an external broker the broker holds the carts' accounts (Mosquitto dynamic security), and a
 * cart revoked in the database directly kept its account — it could reconnect and publish —
 * until a server start brought the accounts up to date. `RevokedCartAccounts.round` reads the
 * registry (every `http.authRecheckSeconds`, `watchRevokedCartAccounts`) and has the account of
 * every revoked cart it has not handled yet disabled. Handled means: for that secret hash — a cart
 * re-provisioned (a new hash) and then revoked again in the database is seen again. One registry
 * read per round, one broker request per newly revoked cart.
 */
export interface CartAccounts {
  /** the registered carts this process looks after (cluster: of the stores it owns) */
  carts(): Promise<readonly RegisteredCart[]>;
  /**
   * Disables the broker account of `cart`, revoked in the registry with this secret hash:
   * "disabled" now; "nothing" to do (disabled already, no account, or an account that is not a
   * cart's: never touched); "changed" when the registry, read again, no longer says so
   * (re-provisioned meanwhile): left as it is, looked at again next round.
   */
  disable(cart: RegisteredCart): Promise<"disabled" | "nothing" | "changed">;
}

export interface RegisteredCart {
  store: string;
  cart: string;
  secretHash: string;
  revoked: boolean;
}

export class RevokedCartAccounts {
  /** cart → the secret hash its account was disabled with */
  private readonly done = new Map<string, string>();

  /** `handledAtStart`: the registry as the start's migration saw it (its revoked carts are disabled) */
  constructor(
    private readonly accounts: CartAccounts,
    handledAtStart: Iterable<RegisteredCart> = [],
  ) {
    for (const c of handledAtStart) if (c.revoked) this.done.set(c.cart, c.secretHash);
  }

  /** One round: the carts whose account was disabled by it. */
  async round(): Promise<string[]> {
    const out: string[] = [];
    const revoked = new Set<string>();
    for (const c of await this.accounts.carts()) {
      if (!c.revoked) continue;
      revoked.add(c.cart);
      if (this.done.get(c.cart) === c.secretHash) continue;
      const r = await this.accounts.disable(c);
      if (r === "changed") continue;
      this.done.set(c.cart, c.secretHash);
      if (r === "disabled") out.push(c.cart);
    }
    // re-provisioned, or of a store this process no longer looks after: forgotten
    for (const cart of this.done.keys()) if (!revoked.has(cart)) this.done.delete(cart);
    return out;
  }
}

export function watchRevokedCartAccounts(
  accounts: RevokedCartAccounts,
  everyMs: number,
  options: { onDisabled?: (carts: string[]) => void; onError?: (err: unknown) => void } = {},
): { stop(): void } {
  return sweepPeriodically(() => accounts.round(), everyMs, {
    onDone: (done) => options.onDisabled?.(done),
    onError: options.onError,
  });
}
