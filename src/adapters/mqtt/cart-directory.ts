/**
 * Who may connect as a cart. The MQTT username is the bare cart id (exchange-v1 §5), so cart
 * ids are unique across the stores one server hosts; the directory maps a cart id to its store
 * and credential hash.
 */
export interface CartCredentialRecord {
  store: string;
  cart: string;
  secretHash: string;
  revoked: boolean;
}

export interface CartDirectory {
  /** The cart with this id, whatever its store; undefined when unknown. */
  lookup(cart: string): Promise<CartCredentialRecord | undefined>;
}

/** An in-memory directory: tests, and a cache the composition root fills from the registry. */
export class MemoryCartDirectory implements CartDirectory {
  private readonly carts = new Map<string, CartCredentialRecord>();
  async lookup(cart: string): Promise<CartCredentialRecord | undefined> {
    return this.carts.get(cart);
  }
  set(record: CartCredentialRecord): void {
    this.carts.set(record.cart, { ...record });
  }
  revoke(cart: string): boolean {
    const r = this.carts.get(cart);
    if (!r) return false;
    r.revoked = true;
    return true;
  }
  get(cart: string): CartCredentialRecord | undefined {
    return this.carts.get(cart);
  }
}
