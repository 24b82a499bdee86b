import { describe, expect, it } from "vitest";
import { type CartAccounts, type RegisteredCart, RevokedCartAccounts } from "./revoked-connections";

/** A registry and a broker in memory: the broker's accounts are enabled until disabled. */
function fake(registry: RegisteredCart[]) {
  const disabled: string[] = [];
  let reprovisionDuringDisable: string | undefined;
  const accounts: CartAccounts = {
    carts: async () => registry.map((c) => ({ ...c })),
    async disable(c) {
      if (reprovisionDuringDisable === c.cart) {
        reprovisionDuringDisable = undefined;
        Object.assign(registry.find((r) => r.cart === c.cart) ?? {}, { revoked: false, secretHash: "h-new" });
      }
      const now = registry.find((r) => r.cart === c.cart);
      if (!now?.revoked || now.secretHash !== c.secretHash) return "changed";
      if (disabled.includes(c.cart)) return "nothing";
      disabled.push(c.cart);
      return "disabled";
    },
  };
  return {
    accounts,
    disabled,
    reprovisionDuring: (cart: string) => {
      reprovisionDuringDisable = cart;
    },
  };
}

const cart = (id: string, revoked: boolean, secretHash = `h-${id}`) => ({
  store: "s",
  cart: id,
  secretHash,
  revoked,
});

describe("RevokedCartAccounts", () => {
  it("disables each newly revoked cart once; those revoked at start are left as the migration left them", async () => {
    const registry = [cart("a", true), cart("b", false), cart("c", false)];
    const f = fake(registry);
    const sweep = new RevokedCartAccounts(f.accounts, registry);
    expect(await sweep.round()).toEqual([]);
    registry[1].revoked = true;
    expect(await sweep.round()).toEqual(["b"]);
    expect(await sweep.round()).toEqual([]);
    expect(f.disabled).toEqual(["b"]);
  });

  it("a cart re-provisioned (new hash) and revoked again before any round saw it unrevoked is disabled again", async () => {
    const registry = [cart("a", false)];
    const f = fake(registry);
    const sweep = new RevokedCartAccounts(f.accounts);
    registry[0].revoked = true;
    expect(await sweep.round()).toEqual(["a"]);
    // re-provisioned (the broker re-enables it) and revoked again in the database, between rounds
    f.disabled.splice(0);
    Object.assign(registry[0], { secretHash: "h-a2", revoked: true });
    expect(await sweep.round()).toEqual(["a"]);
  });

  it("a cart re-provisioned while being disabled is not counted done: looked at again next round", async () => {
    const registry = [cart("a", true)];
    const f = fake(registry);
    const sweep = new RevokedCartAccounts(f.accounts);
    f.reprovisionDuring("a");
    expect(await sweep.round()).toEqual([]);
    expect(f.disabled).toEqual([]);
    registry[0].revoked = true;
    expect(await sweep.round()).toEqual(["a"]);
  });
});
