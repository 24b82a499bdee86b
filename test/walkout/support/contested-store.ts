/**
 * A walk-out store in the whole server (startServer in this process: a SQLite file, the embedded
 * broker, HTTP with the built web app) with its gate, shelf plate controller and tracker as
 * devices over MQTT, for the tests of a walk-out review case's evidence: `publish` sends a
 * contested pick-up (contested-pick.ts) as the devices would, each message acknowledged (= recorded).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import type { RunningServer } from "../../../src/main";
import { addApiKey, startInProcessServer } from "../../server/support/in-process-server";
import { callStoreApi } from "../../support/store-api";
import type { ContestedPick } from "./contested-pick";
import type { VisitPlate } from "./visit-script";

export const CONTESTED_STORE = "wo-ev";
/** three plates, one product each: the walk-out server tests' store */
export const CATALOG = {
  currency: "USD",
  products: [
    { sku: "water-500", name: "Water 500 ml", price: 129, soldBy: "unit", weight: { mean: 538, sd: 13 } },
    { sku: "chips-100", name: "Chips 100 g", price: 249, soldBy: "unit", weight: { mean: 105, sd: 2.6 } },
    { sku: "soap-200", name: "Soap 200 g", price: 399, soldBy: "unit", weight: { mean: 220, sd: 5 } },
  ],
};
export const LAYOUT = {
  plates: [
    { gondola: 1, shelf: 1, plate: 1, x: 0.2, y: 0.25, z: 1.2, skus: ["water-500"] },
    { gondola: 1, shelf: 1, plate: 2, x: 0.6, y: 0.25, z: 1.2, skus: ["chips-100"] },
    { gondola: 1, shelf: 1, plate: 3, x: 1.0, y: 0.25, z: 1.2, skus: ["soap-200"] },
  ],
};
/** the layout's plates with their loads before anything is taken */
export const CONTESTED_PLATES = LAYOUT.plates.map((p, i) => ({
  ...p,
  load: 2000 + i * 300,
})) as (VisitPlate & {
  x: number;
  y: number;
  z: number;
})[];

export interface ContestedStore {
  server: RunningServer;
  admin: string;
  reviewer: string;
  publish(pick: ContestedPick): Promise<void>;
  close(): Promise<void>;
}

export async function startContestedStore(dir: string): Promise<ContestedStore> {
  writeFileSync(join(dir, "catalog.json"), JSON.stringify(CATALOG));
  writeFileSync(join(dir, "layout.json"), JSON.stringify(LAYOUT));
  const server = await startInProcessServer(dir, [
    {
      id: CONTESTED_STORE,
      kind: "walkout",
      catalog: join(dir, "catalog.json"),
      layout: join(dir, "layout.json"),
      defaultPaymentMethod: "pm_sandbox_test",
    },
  ]);
  const admin = await addApiKey(server, "key_woev_admin", CONTESTED_STORE, "admin");
  const reviewer = await addApiKey(server, "key_woev_rev", CONTESTED_STORE, "reviewer");
  const topics: Record<string, string> = {};
  const conn: Record<string, MqttClient> = {};
  for (const device of ["gate-1", "plates-1", "tracker-1"]) {
    const r = await callStoreApi(server.httpUrl, CONTESTED_STORE, admin, "POST", "/devices", {
      device,
      label: device,
    });
    if (r.status !== 201) throw new Error(`device ${device}: ${r.status}`);
    const m = r.body.mqtt as { username: string; events: string };
    topics[device] = m.events;
    conn[device] = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqttPort}`, {
      username: m.username,
      password: r.body.secret as string,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
  }
  const send = (device: string, e: object) =>
    conn[device].publishAsync(topics[device], JSON.stringify(e), { qos: 1 });
  return {
    server,
    admin,
    reviewer,
    async publish(pick) {
      for (const e of pick.gateIns) await send("gate-1", e);
      for (const e of pick.events)
        await send((e as { type: string }).type === "track" ? "tracker-1" : "plates-1", e);
      for (const e of pick.gateOuts) await send("gate-1", e);
    },
    async close() {
      await Promise.all(Object.values(conn).map((c) => c.endAsync(true).catch(() => undefined)));
      await server.close();
    },
  };
}
