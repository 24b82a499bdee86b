/**
 * An external broker with dynamic security: a cart revoked in the database directly (a script, a
 * console, a server that is not in this one's cluster) has its broker account disabled within
 * `http.authRecheckSeconds`, so it is disconnected and cannot reconnect — before, it kept the
 * account until the next server start (`dynsecMigrateCarts`). Revoking through the API disables
 * it at once; this sweep is the bound for everything else (RevokedCartAccounts,
 * src/app/services/revoked-connections.ts). Without dynsec (`mqtt.auth = none`) the broker's
 * accounts are the operator's: nothing to disable from here.
 */
import type { CartRegistry } from "../../app/ports/read-models";
import {
  type CartAccounts,
  type RegisteredCart,
  RevokedCartAccounts,
  watchRevokedCartAccounts,
} from "../../app/services/revoked-connections";
import { type Dynsec, dynsecDisableRevokedCart } from "./external-broker";

/**
 * The registry's carts of `stores()`, their accounts disabled through dynsec; `announce` is told
 * of each cart whose account was disabled here (it was revoked behind the server's back: through
 * the API the account is disabled at once, and the revocation announced there).
 */
export function dynsecCartAccounts(
  d: Dynsec,
  registry: Pick<CartRegistry, "get" | "list">,
  stores: () => Iterable<string>,
  announce?: (store: string, cart: string) => void,
): CartAccounts {
  return {
    async carts() {
      const out: RegisteredCart[] = [];
      for (const store of stores()) out.push(...(await registry.list(store)));
      return out;
    },
    async disable(c) {
      const r = await dynsecDisableRevokedCart(d, c.cart, async () => {
        const now = await registry.get(c.store, c.cart);
        return now?.revoked === true && now.secretHash === c.secretHash;
      });
      if (r === "disabled") announce?.(c.store, c.cart);
      return r;
    },
  };
}

/**
 * Starts the sweep. `stores`: the stores whose carts this process looks after (a cluster
 * process: those it owns now); `atStart`: the registry as the start's migration saw it (its
 * revoked carts' accounts are disabled already); `announce`: puts a cart whose account the sweep
 * disabled on the revocation bus (mqtt/revocation-bus.ts), so every process on the broker — this
 * one included — closes its live sockets at once, not at its own next periodic recheck.
 */
export function watchDynsecRevokedCarts(o: {
  dynsec: Dynsec;
  registry: Pick<CartRegistry, "get" | "list">;
  stores: () => Iterable<string>;
  atStart: Iterable<RegisteredCart>;
  everyMs: number;
  announce: (store: string, cart: string) => void;
  log: { warn(obj: object, msg: string): void };
}): { stop(): void } {
  const accounts = new RevokedCartAccounts(
    dynsecCartAccounts(o.dynsec, o.registry, o.stores, o.announce),
    o.atStart,
  );
  return watchRevokedCartAccounts(accounts, o.everyMs, {
    onDisabled: (carts) => o.log.warn({ carts }, "carts revoked in the database: broker accounts disabled"),
    onError: (err) => o.log.warn({ err }, "revoked-cart account sweep failed; retried on the next one"),
  });
}
