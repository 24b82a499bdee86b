import { describe, expect, it } from "vitest";
import type { CartEvent } from "../../domain/events/sensor-events";
import { provisionedCartsBehind, provisionedCartsOnly } from "./provisioned-carts";

const start = (store: string, cart: string) =>
  ({ v: 1, id: "e1", t: 1, type: "session.start", store, cart, session: "s-1" }) as CartEvent;

describe("provisionedCartsOnly", () => {
  it("passes a provisioned cart's events on, refuses another store's cart, looks a refusal up again later", async () => {
    const registry = new Set(["st-a/cart-a1"]);
    const lookups: string[] = [];
    const taken: string[] = [];
    let now = 0;
    const port = provisionedCartsOnly(
      {
        async ingest(store, cart) {
          taken.push(`${store}/${cart}`);
          return { rejected: [] };
        },
      },
      {
        async get(store, cart) {
          lookups.push(`${store}/${cart}`);
          return registry.has(`${store}/${cart}`)
            ? { store, cart, secretHash: "h", createdAt: 0, revoked: false }
            : undefined;
        },
      },
      { now: () => now, unknownForMs: 1000 },
    );
    expect((await port.ingest("st-b", "cart-a1", [start("st-b", "cart-a1")])).rejected).toEqual([
      { index: 0, reason: "unknown-cart", detail: "cart cart-a1 is not provisioned in store st-b" },
    ]);
    await port.ingest("st-b", "cart-a1", [start("st-b", "cart-a1")]);
    expect((await port.ingest("st-a", "cart-a1", [start("st-a", "cart-a1")])).rejected).toEqual([]);
    await port.ingest("st-a", "cart-a1", [start("st-a", "cart-a1")]);
    // one lookup each: the refusal is remembered for its interval, the cart found for good
    expect(lookups).toEqual(["st-b/cart-a1", "st-a/cart-a1"]);
    registry.add("st-b/cart-a1");
    now = 1001;
    expect((await port.ingest("st-b", "cart-a1", [start("st-b", "cart-a1")])).rejected).toEqual([]);
    expect(taken).toEqual(["st-a/cart-a1", "st-a/cart-a1", "st-b/cart-a1"]);
  });

  it("is put around the ingest behind an external broker without dynsec only (single process and cluster lanes alike)", async () => {
    const inner = { ingest: async () => ({ rejected: [] }) };
    const registry = { get: async () => undefined };
    expect(provisionedCartsBehind({}, inner, registry)).toBe(inner);
    expect(provisionedCartsBehind({ url: "mqtt://b", auth: "dynsec" }, inner, registry)).toBe(inner);
    for (const auth of ["none", undefined] as const) {
      const port = provisionedCartsBehind({ url: "mqtt://b", auth }, inner, registry);
      expect(port).not.toBe(inner);
      expect((await port.ingest("st-a", "cart-x", [start("st-a", "cart-x")])).rejected).toHaveLength(1);
    }
  });
});
