/**
 * Cart ids are MQTT usernames, so one id is one cart in the whole deployment: two stores
 * provisioning the same id at the same moment (POST /api/v1/stores/{st-a,st-b}/carts together,
 * through the whole server) leave it in exactly one store — one 201, one 409 CART_EXISTS — on
 * SQLite and on PostgreSQL. Before, the "taken by another store" check read the other stores'
 * carts and then wrote, outside any transaction, so both requests could pass the read and both
 * got 201. Re-provisioning a cart in its own store still works (a new secret).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/main";
import { callStoreApi } from "../support/store-api";
import { addApiKey } from "./support/in-process-server";
import { TwoWaterStores } from "./support/two-water-stores";

const stores = new TwoWaterStores("skiplane-cart-unique-");
afterEach(() => stores.stop());

const ROUNDS = 5;

async function admins(s: RunningServer) {
  return {
    a: await addApiKey(s, "key_unique_admin_a", "st-a", "admin"),
    b: await addApiKey(s, "key_unique_admin_b", "st-b", "admin"),
  };
}

describe("a cart id is provisioned in one store only", () => {
  it.each(["sqlite", "postgres"] as const)(
    "%s: concurrent POST …/carts of one id in st-a and st-b: one 201, one 409 CART_EXISTS",
    async (db) => {
      const s = await stores.start(db === "postgres" ? { postgresSchema: "cart_unique" } : {});
      const k = await admins(s);
      for (let i = 0; i < ROUNDS; i++) {
        const cart = `cart-race-${i}`;
        const [ra, rb] = await Promise.all([
          callStoreApi(s.httpUrl, "st-a", k.a, "POST", "/carts", { cart }),
          callStoreApi(s.httpUrl, "st-b", k.b, "POST", "/carts", { cart }),
        ]);
        expect([ra.status, rb.status].sort(), `round ${i}`).toEqual([201, 409]);
        const refused = ra.status === 409 ? ra : rb;
        expect(refused.body.code).toBe("CART_EXISTS");
        const listA = await callStoreApi(s.httpUrl, "st-a", k.a, "GET", "/carts");
        const listB = await callStoreApi(s.httpUrl, "st-b", k.b, "GET", "/carts");
        const has = (r: typeof listA) =>
          (r.body as unknown as { cart: string }[]).some((c) => c.cart === cart) ? 1 : 0;
        expect(has(listA) + has(listB), `round ${i}: stores holding ${cart}`).toBe(1);
      }
    },
  );

  it.each(["sqlite", "postgres"] as const)(
    "%s: re-provisioning a cart in its own store gives a new secret; the other store is refused",
    async (db) => {
      const s = await stores.start(db === "postgres" ? { postgresSchema: "cart_unique" } : {});
      const k = await admins(s);
      const first = await callStoreApi(s.httpUrl, "st-a", k.a, "POST", "/carts", { cart: "cart-again" });
      const again = await callStoreApi(s.httpUrl, "st-a", k.a, "POST", "/carts", { cart: "cart-again" });
      expect([first.status, again.status]).toEqual([201, 201]);
      expect(again.body.secret).not.toBe(first.body.secret);
      const other = await callStoreApi(s.httpUrl, "st-b", k.b, "POST", "/carts", { cart: "cart-again" });
      expect(other.status).toBe(409);
      expect(other.body.code).toBe("CART_EXISTS");
    },
  );
});
