/**
 * Who may open the live socket, as both compositions (one process: src/main.ts; a cluster node:
 * adapters/cluster/cluster-node.ts) decide it: staff by their API key (role and store scope),
 * a cart by its id and MQTT secret, checked against the cart registry. A cart's verified secret
 * is remembered (`cartSecrets`) so a reconnecting screen does not pay for scrypt again; the
 * composition forgets it when the cart is re-provisioned or revoked. `stillValid` is the same
 * check again for a socket already in (LiveHub.recheck), from the database, never the cache.
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
      return r && !r.revoked
        ? { kind: "staff", scope: r.store, role: r.role, keyId: r.id, keyHash: r.keyHash }
        : undefined;
    },
    async byCart(cart, secret) {
      const r = await carts.lookup(cart);
      if (!r || r.revoked) return undefined;
      const ok =
        cartSecrets.has(cart, secret, r.secretHash) || (await scryptHasher.verify(secret, r.secretHash));
      if (!ok) return undefined;
      cartSecrets.remember(cart, secret, r.secretHash);
      return { kind: "cart", store: r.store, cart: r.cart, secretHash: r.secretHash };
    },
    // the same rows again: a key still there and not revoked; a cart not revoked, in the same
    // store, with the secret hash it was let in with (re-provisioning gives it a new one)
    async stillValid(p) {
      if (p.kind === "staff") {
        if (p.keyHash === undefined) return false;
        const r = await apiKeys.findByHash(p.keyHash);
        return r !== undefined && !r.revoked && r.id === p.keyId;
      }
      const r = await carts.lookup(p.cart);
      return r !== undefined && !r.revoked && r.store === p.store && r.secretHash === p.secretHash;
    },
  };
}
