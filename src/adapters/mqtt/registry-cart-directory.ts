/**
 * The cart directory over the storage's CartRegistry. The registry is keyed by (store, cart);
 * MQTT usernames are bare cart ids, so a lookup asks each store this server hosts (a handful)
 * and provisioning keeps cart ids unique across them.
 */
import type { CartRegistry } from "../../app/ports/read-models";
import type { CartCredentialRecord, CartDirectory } from "./cart-directory";

export class RegistryCartDirectory implements CartDirectory {
  constructor(
    private readonly carts: CartRegistry,
    private readonly stores: () => readonly string[],
  ) {}

  async lookup(cart: string): Promise<CartCredentialRecord | undefined> {
    for (const store of this.stores()) {
      const r = await this.carts.get(store, cart);
      if (r) return { store: r.store, cart: r.cart, secretHash: r.secretHash, revoked: r.revoked };
    }
    return undefined;
  }
}
