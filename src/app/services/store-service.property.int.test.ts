/**
 * Property: however a cart's messages are batched and redelivered (MQTT QoS 1 sends a message
 * again when its acknowledgement is lost), the session stream, the screen and the money come
 * out exactly as from one clean delivery.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SandboxPaymentGateway } from "../../adapters/payments/sandbox-gateway";
import { openSqliteStorage } from "../../adapters/sqlite/sqlite-storage";
import type { CartEvent } from "../../domain/events/sensor-events";
import { sequentialIds } from "../../domain/shared/ids";
import { DEFAULT_STORE_SETTINGS } from "../../domain/store/store-settings";
import { StoreService } from "./store-service";
import { cartLog, chips, cola, scenarioCatalog, water } from "./store-service.fixtures";

const T0 = Date.UTC(2026, 10, 21, 9);
const STEPS = [cola, water, chips];

async function deliver(messages: CartEvent[][]) {
  const storage = openSqliteStorage({ file: ":memory:" });
  const payments = new SandboxPaymentGateway({ ids: sequentialIds() });
  const service = new StoreService({
    storage,
    payments,
    // A still clock: a redelivery reads the clock once more, which must not change the outcome.
    clock: { now: () => T0 + 3_600_000 },
    ids: sequentialIds(),
    stores: [{ store: "st", catalog: scenarioCatalog, settings: DEFAULT_STORE_SETTINGS }],
  });
  await storage.accounts.put({ store: "st", account: "app", paymentMethod: "tok_visa", createdAt: T0 });
  let last: Awaited<ReturnType<StoreService["ingest"]>> | undefined;
  for (const m of messages) last = await service.ingest("st", "c1", m);
  const events = (await storage.events.readStream("st/session/s1")).events.map((e) => e.data);
  const screen = { ...last!.screen, seq: 0 };
  const charged = payments.netCharged("tok_visa");
  await storage.close();
  return { events, screen, charged };
}

describe("ingest is idempotent under batching and redelivery", () => {
  it("gives the same stream, screen and charge as one clean delivery", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 30, maxLength: 30 }),
        fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
        async (items, sizes, redeliver) => {
          const log = cartLog(
            "st",
            "c1",
            "s1",
            T0,
            items.map((i) => STEPS[i]),
            { account: "app" },
          );
          const clean = await deliver(log.map((e) => [e]));
          const messages: CartEvent[][] = [];
          let i = 0;
          let k = 0;
          while (i < log.length) {
            const batch = log.slice(i, i + sizes[k % sizes.length]);
            messages.push(batch);
            if (redeliver[k % redeliver.length]) messages.push(batch);
            i += batch.length;
            k++;
          }
          const messy = await deliver(messages);
          expect(messy.events).toEqual(clean.events);
          expect(messy.screen).toEqual(clean.screen);
          expect(messy.charged).toBe(clean.charged);
        },
      ),
      { numRuns: 12, seed: 20261122 },
    );
  });
});
