import { describe, expect, it } from "vitest";
import type { StoreEvent } from "../../domain/events/sensor-events";
import type { CartError } from "../schemas/cart-protocol.schema";
import { DeviceGateway } from "./device-gateway";
import { deviceTopic, parseDeviceTopic, parseDeviceUsername } from "./device-topics";
import { IntakeLimit } from "./intake-limit";

const STORE = "wo";
const topic = (device: string) => deviceTopic(STORE, device, "events");
const plate = (id: string, t = 1000) => ({
  v: 1,
  t,
  type: "plate",
  store: STORE,
  gondola: 1,
  shelf: 1,
  plate: 1,
  grams: 10,
  id,
});

function setup(refuse: (e: StoreEvent) => string | undefined = () => undefined) {
  const ingested: StoreEvent[][] = [];
  const errors: { device: string; error: CartError }[] = [];
  let release: () => void = () => {};
  let hold: Promise<void> | undefined;
  const gw = new DeviceGateway({
    ingest: {
      async ingest(_store, events) {
        if (hold) await hold;
        ingested.push(events);
        const rejected = events.flatMap((e, index) => {
          const reason = refuse(e);
          return reason ? [{ index, reason }] : [];
        });
        return { rejected };
      },
    },
  });
  gw.attach({
    async publishDeviceError(_store, device, error) {
      errors.push({ device, error });
    },
  });
  return {
    gw,
    ingested,
    errors,
    holdIngest() {
      hold = new Promise((r) => {
        release = () => {
          hold = undefined;
          r();
        };
      });
    },
    release: () => release(),
  };
}

describe("device topics", () => {
  it("builds and parses the device topics and usernames; a cart's are not a device's", () => {
    expect(parseDeviceTopic(topic("gate-1"))).toEqual({ store: STORE, device: "gate-1", kind: "events" });
    expect(parseDeviceTopic(`skiplane/v1/${STORE}/carts/c1/events`)).toBeUndefined();
    expect(parseDeviceTopic(`skiplane/v1/${STORE}/devices/+/events`)).toBeUndefined();
    expect(parseDeviceUsername("wo/gate-1")).toEqual({ store: "wo", device: "gate-1" });
    expect(parseDeviceUsername("cart-01")).toBeUndefined();
    expect(parseDeviceUsername("a/b/c")).toBeUndefined();
  });
});

describe("DeviceGateway", () => {
  it("keeps the valid events around a malformed one and answers each refusal on the sender's errors topic", async () => {
    const t = setup((e) => (e.id === "late" ? "out-of-order" : undefined));
    await t.gw.handleMessage(
      topic("plates-1"),
      Buffer.from(
        JSON.stringify([
          plate("a"),
          { ...plate("bad"), grams: "x" },
          plate("late"),
          { ...plate("c"), store: "other" },
          plate("d"),
        ]),
      ),
    );
    expect(t.ingested.map((b) => b.map((e) => e.id))).toEqual([["a", "late", "d"]]);
    expect(t.errors).toEqual([
      { device: "plates-1", error: expect.objectContaining({ id: "bad", reason: "bad-event" }) },
      { device: "plates-1", error: expect.objectContaining({ id: "c", reason: "wrong-topic" }) },
      { device: "plates-1", error: expect.objectContaining({ id: "late", reason: "out-of-order" }) },
    ]);
  });

  it("answers bad JSON, an unknown type and too many elements without ingesting", async () => {
    const t = setup();
    await t.gw.handleMessage(topic("gate-1"), Buffer.from("{nope"));
    await t.gw.handleMessage(topic("gate-1"), Buffer.from(JSON.stringify({ ...plate("u"), type: "weight" })));
    await t.gw.handleMessage(
      topic("gate-1"),
      Buffer.from(JSON.stringify(Array.from({ length: 2001 }, (_, i) => plate(`p${i}`)))),
    );
    expect(t.ingested).toEqual([]);
    expect(t.errors.map((e) => e.error.reason)).toEqual(["bad-json", "unknown-type", "too-large"]);
  });

  it("serialises the devices of one store in arrival order and ingests waiting messages together", async () => {
    const t = setup((e) => (e.id === "g2" ? "no-open-session" : undefined));
    t.holdIngest();
    const first = t.gw.handleMessage(topic("plates-1"), Buffer.from(JSON.stringify(plate("p1"))));
    const second = t.gw.handleMessage(topic("gate-1"), Buffer.from(JSON.stringify(plate("g2"))));
    const third = t.gw.handleMessage(topic("plates-1"), Buffer.from(JSON.stringify(plate("p3"))));
    t.release();
    await Promise.all([first, second, third]);
    expect(t.ingested.flat().map((e) => e.id)).toEqual(["p1", "g2", "p3"]);
    expect(t.ingested.length).toBeLessThan(3);
    // a refusal goes back to the device whose message carried the event
    expect(t.errors).toEqual([
      { device: "gate-1", error: expect.objectContaining({ id: "g2", reason: "no-open-session" }) },
    ]);
  });

  it("does not resolve (acknowledge) a message whose events could not be recorded", async () => {
    const gw = new DeviceGateway({
      ingest: {
        async ingest() {
          throw new Error("database down");
        },
      },
    });
    await expect(
      gw.handleMessage(topic("plates-1"), Buffer.from(JSON.stringify(plate("x")))),
    ).rejects.toThrow("database down");
  });
});

describe("DeviceGateway under the in-flight limit", () => {
  it("takes in at most the limit, the rest waits in arrival order, and all are recorded once room is made", async () => {
    const intake = new IntakeLimit({ maxMessages: 2, maxBytes: 1024 * 1024 });
    const ingested: string[] = [];
    let open: () => void = () => {};
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const gw = new DeviceGateway({
      intake,
      maxCoalesce: 1,
      ingest: {
        async ingest(_store, events) {
          await gate;
          for (const e of events) ingested.push(e.id ?? "");
          return { rejected: [] };
        },
      },
    });
    const done = ["p1", "p2", "p3", "p4"].map((id, i) =>
      gw.handleMessage(
        topic(i % 2 ? "plates-2" : "plates-1"),
        Buffer.from(JSON.stringify(plate(id, 1000 + i))),
      ),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(intake.load).toMatchObject({ messages: 2, waiting: 2 });
    open();
    await Promise.all(done);
    expect(ingested).toEqual(["p1", "p2", "p3", "p4"]);
    expect(intake.load).toEqual({ messages: 0, bytes: 0, waiting: 0 });
  });
});
