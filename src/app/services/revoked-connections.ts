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
