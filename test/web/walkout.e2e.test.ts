/**
 * The walk-out store's screens in a real browser (Debian's Chromium via playwright-core) against a
 * real store server process with the demo walk-out store (the AutoCheckout store read from the
 * shared data): the gate and the shelf plate controller publish §1 events over MQTT with their
 * demo credentials; the operator dashboard shows the shopper with the item in their basket after
 * gate.in and a pick-up, and the shopper's receipt after gate.out.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWebBuild } from "../../scripts/ensure-web-build.mjs";
import { parseCatalog } from "../../src/adapters/files/catalog-file";
import { readAutocheckoutStore } from "../../src/adapters/importers/autocheckout";
import { visitScript } from "../walkout/support/visit-script";
import { launchBrowser, screenshot, type TestBrowser } from "./browser";
import { type RunningServer, startServer } from "./support/server";

const DATA = process.env.SKIPLANE_DATA_DIR ?? resolve(__dirname, "../../../shared/data");

interface WalkoutCreds {
  store: string;
  apiKeys: { admin: string; operator: string; reviewer: string };
  devices: { device: string; username: string; secret: string }[];
}

let server: RunningServer;
let browser: TestBrowser;
let creds: WalkoutCreds;
const clients: MqttClient[] = [];

async function device(name: string): Promise<{ client: MqttClient; topic: string }> {
  const d = creds.devices.find((x) => x.device === name);
  if (!d) throw new Error(`no demo device ${name}`);
  const client = await mqtt.connectAsync(server.mqttUrl, {
    username: d.username,
    password: d.secret,
    reconnectPeriod: 0,
  });
  clients.push(client);
  return { client, topic: `skiplane/v1/${creds.store}/devices/${name}/events` };
}

beforeAll(async () => {
  await ensureWebBuild();
  server = await startServer();
  creds = JSON.parse(readFileSync(join(server.dir, "demo-credentials-walkout.json"), "utf8")) as WalkoutCreds;
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  await browser?.close();
  await server?.stop();
});

describe("walk-out store screens", () => {
  it("the dashboard shows a shopper with a basket after gate.in and a pick-up, and the receipt after gate.out", async () => {
    // a plate of the real planogram that holds one product
    const store = readAutocheckoutStore(join(DATA, "autocheckout-cps-test-01"));
    const cat = parseCatalog(store.catalog);
    if (!cat.ok) throw new Error("demo walk-out catalog invalid");
    const plate = store.layout.plates.find(
      (p) => p.skus.length === 1 && cat.catalog.bySku.get(p.skus[0])?.weight,
    );
    if (!plate) throw new Error("no single-product plate in the AutoCheckout layout");
    const product = cat.catalog.bySku.get(plate.skus[0])!;
    const unit = product.weight!.mean;

    const page = await browser.newPage({ width: 1280, height: 800 });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}/ops/${creds.store}`);
    await page.getByLabel("API key").fill(creds.apiKeys.operator);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Shoppers in the store").waitFor({ timeout: 15_000 });
    await page.getByText("Nobody is in the store right now.").waitFor();

    // four units and the plate's tray; one unit leaves 3 s after the shopper came in
    const p0 = { gondola: plate.gondola, shelf: plate.shelf, plate: plate.plate, load: unit * 4 + 150 };
    const visit = visitScript({
      store: creds.store,
      session: "web-visit-1",
      shopper: "track-7",
      t0: Date.now() - 60_000,
      plates: [p0],
      pick: { plate: p0, grams: unit, atMs: 3000 },
    });
    const gate = await device("gate-1");
    const plates = await device("plates-1");
    await gate.client.publishAsync(gate.topic, JSON.stringify(visit.gateIn), { qos: 1 });
    for (const batch of visit.plates.slice(0, 5)) {
      await plates.client.publishAsync(plates.topic, JSON.stringify(batch), { qos: 1 });
    }

    const row = page.getByTestId("shopper-track-7");
    await row.getByText(product.name).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("kpi-inside").textContent()).toBe("1");
    await screenshot(page, "walkout-dashboard");

    for (const batch of visit.plates.slice(5)) {
      await plates.client.publishAsync(plates.topic, JSON.stringify(batch), { qos: 1 });
    }
    await gate.client.publishAsync(gate.topic, JSON.stringify(visit.gateOut), { qos: 1 });

    const left = page.getByTestId("left-track-7");
    await left.getByText("Paid").waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId("kpi-inside").textContent()).toBe("0");
    await left.getByRole("link", { name: "Receipt" }).click();
    await page.getByTestId("receipt-total").waitFor({ timeout: 15_000 });
    await page.getByText(product.name).first().waitFor();
    // the AutoCheckout data has no real prices: the receipt says the price is a placeholder
    await page.getByText(`${product.name} (placeholder price)`).first().waitFor();
    await screenshot(page, "walkout-receipt");
    expect(errors).toEqual([]);
  }, 120_000);
});
