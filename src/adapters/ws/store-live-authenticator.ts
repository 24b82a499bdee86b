/**
 * Who may open the live socket, as both compositions (one process: src/main.ts; a cluster node:
 * adapters/cluster/cluster-node.ts) decide it: staff by their API key (role and store scope),
 * a cart by its id and MQTT secret, checked against the cart registry. A cart's verified secret
 * is remembered (`cartSecrets`) so a reconnecting screen does not pay for scrypt again; the
 * composition forgets it when the cart is re-provisioned or revoked.
 */
import type { ApiKeyRepository } from "../../app/ports/read-models";
import { apiKeyHash } from "../http/tokens";
import { scryptHasher, type VerifiedSecretCache } from "../mqtt/cart-credentials";
import type { CartDirectory } from "../mqtt/cart-directory";
import type { LiveAuthenticator } from "./live-hub";

export function storeLiveAuthenticator(deps: {
  apiKeys: Pick<ApiKeyRepository, "findByHash">;
  carts: CartDirectory;
  cartSecrets: VerifiedSecretCache;
}): LiveAuthenticator {
  const { apiKeys, carts, cartSecrets } = deps;
  return {
    async byKey(key) {
      const r = await apiKeys.findByHash(apiKeyHash(key));
      return r && !r.revoked ? { kind: "staff", scope: r.store, role: r.role } : undefined;
    },
    async byCart(cart, secret) {
      const r = await carts.lookup(cart);
      if (!r || r.revoked) return undefined;
      const ok =
        cartSecrets.has(cart, secret, r.secretHash) || (await scryptHasher.verify(secret, r.secretHash));
      if (!ok) return undefined;
      cartSecrets.remember(cart, secret, r.secretHash);
      return { kind: "cart", store: r.store, cart: r.cart };
    },
  };
}
