/**
 * Behind an external broker, events count only for a cart provisioned in the store of their topic.
 *
 * The embedded broker lets a cart publish on `skiplane/v1/{its store}/carts/{itself}/events` only,
 * and dynsec roles do the same on Mosquitto. But MQTT usernames are bare cart ids, so an ACL file
 * (`mqtt.auth = none`) can bind a cart to its own id and not to its store — docs/server.md's
 * `pattern write skiplane/v1/+/carts/%u/events` — and the store of the topic was all the server
 * went by: measured (2026-12-06, session 12) on Mosquitto with that password and ACL file, cart
 * `cart-a1` of store `st-a` published `session.start` on `skiplane/v1/st-b/carts/cart-a1/events`
 * and store `st-b` opened a session for it.
 *
 * So behind an external broker with `mqtt.auth = none` (`provisionedCartsBehind`: the single
 * process's ingest and every store lane's of a cluster; with dynsec the roles bind store and cart,
 * test/server/mosquitto-broker.int.test.ts) the ingest port is wrapped: a message of a (store,
 * cart) the registry does not hold is refused whole, every element `unknown-cart` (answered on that
 * topic's errors, counted), nothing recorded. A cart found is remembered for good (a cart never
 * changes store: ids are unique across the stores, and a revoked cart keeps its record — refusing
 * a revoked cart is the broker's, as before); one not found is looked up again after `unknownForMs` (default 10 s), so a flood of
 * messages for an unknown cart costs one lookup per interval, and a cart provisioned meanwhile is
 * taken within it.
 */
import type { CartRegistry } from "../../app/ports/read-models";
import type { CartIngestOutcome, CartIngestPort } from "./cart-gateway";

/**
 * The cart ingest a server behind `mqtt` takes messages through: wrapped by provisionedCartsOnly
 * behind an external broker without dynsec, else `ingest` itself (the embedded broker's hook and
 * dynsec's roles bind store and cart already). The single process (main.ts) and a cluster's store
 * lanes (cluster-node.ts, one wrapper per acquired store) both ask this.
 */
export function provisionedCartsBehind(
  mqtt: { url?: string; auth?: "dynsec" | "none" },
  ingest: CartIngestPort,
  carts: Pick<CartRegistry, "get">,
): CartIngestPort {
  return mqtt.url && mqtt.auth !== "dynsec" ? provisionedCartsOnly(ingest, carts) : ingest;
}

export function provisionedCartsOnly(
  inner: CartIngestPort,
  carts: Pick<CartRegistry, "get">,
  options: { unknownForMs?: number; now?: () => number } = {},
): CartIngestPort {
  const known = new Set<string>();
  const unknownUntil = new Map<string, number>();
  const now = options.now ?? Date.now;
  const unknownForMs = options.unknownForMs ?? 10_000;
  const provisioned = async (store: string, cart: string): Promise<boolean> => {
    const key = `${store}\u0000${cart}`;
    if (known.has(key)) return true;
    const until = unknownUntil.get(key);
    if (until !== undefined && now() < until) return false;
    if (await carts.get(store, cart)) {
      known.add(key);
      unknownUntil.delete(key);
      return true;
    }
    // bounded: a flood of made-up ids must not grow this without end
    if (unknownUntil.size >= 10_000) unknownUntil.clear();
    unknownUntil.set(key, now() + unknownForMs);
    return false;
  };
  return {
    async ingest(store, cart, events): Promise<CartIngestOutcome> {
      if (await provisioned(store, cart)) return inner.ingest(store, cart, events);
      return {
        rejected: events.map((_, index) => ({
          index,
          reason: "unknown-cart",
          detail: `cart ${cart} is not provisioned in store ${store}`,
        })),
        duplicates: 0,
      };
    },
  };
}
