/**
 * Carts provisioned through Mosquitto's dynamic security before the status topic existed had a
 * role without its ACL, so the broker dropped their presence and the server fell back to their
 * events. At start, the external-broker path now brings every registered cart's broker account
 * up to date (`dynsecMigrateCarts`), and provisioning edits a role instead of deleting it. Against
 * a real Mosquitto with the dynsec plugin and the whole server on it (SQLite).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cartRoleAcls,
  cartRoleName,
  Dynsec,
  dynsecMigrateCarts,
  ExternalBroker,
} from "../../src/adapters/mqtt/external-broker";
import { statusTopic } from "../../src/adapters/mqtt/topics";
import { openSqliteStorage } from "../../src/adapters/sqlite/sqlite-storage";
import type { RunningServer } from "../../src/main";
import { type DynsecMosquitto as Mosquitto, mosquittoAvailable, startMosquitto } from "../support/mosquitto";
import { callStoreApi } from "../support/store-api";
import { startServerOnMosquitto } from "./support/mosquitto-server";
import { writeWaterCatalog } from "./support/two-water-stores";

const STORE = "st-mig";
const available = mosquittoAvailable();
const account = { username: "skiplane-server", password: "server-secret" };

describe.skipIf(!available)(
  "dynsec: carts provisioned by an older server are brought up to date at start",
  () => {
    let dir: string;
    let broker: Mosquitto;
    let running: RunningServer | undefined;
    let key: string;
    let admin: MqttClient;
    let dynsec: Dynsec;
    const clients: MqttClient[] = [];

    const start = async (keyId: string) => {
      ({ running, key } = await startServerOnMosquitto({
        dir,
        brokerUrl: broker.url,
        account,
        clientId: `skiplane-mig-srv-${process.pid}`,
        stores: [{ id: STORE, catalog: join(dir, "catalog.json"), defaultPaymentMethod: "pm_sandbox_test" }],
        keyId,
        keyStore: STORE,
      }));
    };
    const call = async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> =>
      (await callStoreApi(running?.httpUrl ?? "", STORE, key, method, path, body)).body;
    const connect = async (username: string, password: string) => {
      const c = await mqtt.connectAsync(broker.url, {
        username,
        password,
        reconnectPeriod: 0,
        protocolVersion: 5,
      });
      clients.push(c);
      return c;
    };
    /** the retained status the broker holds for `cart` (undefined: none got through) */
    const retainedStatus = async (cart: string): Promise<string | undefined> => {
      const got: string[] = [];
      const onMessage = (t: string, p: Buffer) => t === statusTopic(STORE, cart) && got.push(p.toString());
      admin.on("message", onMessage);
      await admin.subscribeAsync(statusTopic(STORE, cart), { qos: 1 });
      await new Promise((r) => setTimeout(r, 300));
      await admin.unsubscribeAsync(statusTopic(STORE, cart));
      admin.off("message", onMessage);
      return got.at(-1);
    };

    beforeAll(async () => {
      broker = await startMosquitto();
      await ExternalBroker.bootstrapDynsec({ url: broker.url, admin: broker.admin, server: account });
      admin = await mqtt.connectAsync(broker.url, {
        ...broker.admin,
        reconnectPeriod: 0,
        protocolVersion: 5,
      });
      dynsec = new Dynsec(admin);
      await dynsec.start();
      dir = mkdtempSync(join(tmpdir(), "skiplane-mig-"));
      writeWaterCatalog(dir);
    }, 60_000);
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
      await running?.close();
      await admin?.endAsync(true).catch(() => undefined);
      await broker?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("gives an old cart its status ACL, disables a revoked cart's client, reports a cart with no account; a second run changes nothing", async () => {
      await start("key_mig_a");
      const old = (await call("POST", "/carts", { cart: "cart-old" })) as { secret: string };
      const gone = (await call("POST", "/carts", { cart: "cart-gone" })) as { secret: string };
      await running?.close();
      running = undefined;

      // what an older server left: cart-old's role without the status topic (as provisioned before
      // the presence change); cart-gone revoked in the registry while its broker client stayed
      // enabled; cart-bare registered while the broker had no dynsec, so it has no client at all
      const rolename = cartRoleName("cart-old");
      await dynsec.run({
        command: "removeRoleACL",
        rolename,
        acltype: "publishClientSend",
        topic: statusTopic(STORE, "cart-old"),
      });
      const storage = openSqliteStorage({ file: join(dir, "skiplane.sqlite") });
      await storage.carts.revoke(STORE, "cart-gone");
      await storage.carts.put({
        store: STORE,
        cart: "cart-bare",
        secretHash: "scrypt$4096$8$1$c2FsdA$aGFzaA",
        createdAt: 1,
      });
      await storage.close();
      // the defect: the broker drops the old cart's status, and still lets the revoked cart in
      const before = await connect("cart-old", old.secret);
      await expect(
        before.publishAsync(statusTopic(STORE, "cart-old"), '{"online":true}', { qos: 1, retain: true }),
      ).rejects.toThrow(/Not authorized/);
      expect(await retainedStatus("cart-old")).toBeUndefined();
      await before.endAsync();
      (await connect("cart-gone", gone.secret)).end(true);

      // the restarted server migrates at start
      await start("key_mig_b");
      const acls = await dynsec.run({ command: "getRole", rolename });
      expect(
        ((acls.data?.role as { acls?: { acltype: string; topic: string }[] } | undefined)?.acls ?? [])
          .map((a) => `${a.acltype} ${a.topic}`)
          .sort(),
      ).toEqual(
        cartRoleAcls(STORE, "cart-old")
          .map((a) => `${a.acltype} ${a.topic}`)
          .sort(),
      );
      const c = await mqtt.connectAsync(broker.url, {
        username: "cart-old",
        password: old.secret,
        reconnectPeriod: 0,
        protocolVersion: 5,
        will: {
          topic: statusTopic(STORE, "cart-old"),
          payload: Buffer.from('{"online":false}'),
          qos: 1,
          retain: true,
        },
      });
      clients.push(c);
      await c.publishAsync(statusTopic(STORE, "cart-old"), '{"online":true}', { qos: 1, retain: true });
      // the server sees it online from its status alone (it sent no events)
      let stats: Record<string, unknown> = {};
      for (let i = 0; i < 100 && stats.cartsOnline !== 1; i++) {
        stats = await call("GET", "/stats");
        if (stats.cartsOnline !== 1) await new Promise((r) => setTimeout(r, 50));
      }
      expect(stats).toMatchObject({ cartsOnline: 1 });
      expect(await retainedStatus("cart-old")).toBe('{"online":true}');
      // the revoked cart is refused at CONNECT now
      const refused = await mqtt
        .connectAsync(broker.url, {
          username: "cart-gone",
          password: gone.secret,
          reconnectPeriod: 0,
          protocolVersion: 5,
        })
        .then(
          (x) => {
            clients.push(x);
            return undefined;
          },
          (err: Error) => err,
        );
      expect(refused).toBeInstanceOf(Error);

      // idempotent: run again over the same registry, nothing left to change; a registered (revoked)
      // cart id naming the server's own broker account is left alone, not disabled (0122)
      expect(
        await dynsecMigrateCarts(dynsec, [
          { store: STORE, cart: "cart-old" },
          { store: STORE, cart: "cart-gone", revoked: true },
          { store: STORE, cart: "cart-bare" },
          { store: STORE, cart: account.username, revoked: true },
        ]),
      ).toEqual({
        checked: 4,
        rolesUpdated: 0,
        clientRoles: 0,
        disabled: 0,
        missing: ["cart-bare"],
        foreign: [account.username],
      });
      const server = await mqtt.connectAsync(broker.url, {
        ...account,
        reconnectPeriod: 0,
        protocolVersion: 5,
      });
      clients.push(server);
      expect(server.connected).toBe(true);
    });

    it("provisioning twice edits the role in place (still exactly its ACLs) and the new secret works, status topic included", async () => {
      await running?.close();
      running = undefined;
      await start("key_mig_c");
      const first = (await call("POST", "/carts", { cart: "cart-twice" })) as { secret: string };
      const again = (await call("POST", "/carts", { cart: "cart-twice" })) as { secret: string };
      expect(again.secret).not.toBe(first.secret);
      const role = await dynsec.run({ command: "getRole", rolename: cartRoleName("cart-twice") });
      expect((role.data?.role as { acls?: unknown[] } | undefined)?.acls?.length).toBe(
        cartRoleAcls(STORE, "cart-twice").length,
      );
      const c = await connect("cart-twice", again.secret);
      await c.publishAsync(statusTopic(STORE, "cart-twice"), '{"online":true}', { qos: 1, retain: true });
      expect(await retainedStatus("cart-twice")).toBe('{"online":true}');
    });

    it("two server processes migrating at the same moment both succeed, and leave the cart's account right", async () => {
      const second = await mqtt.connectAsync(broker.url, {
        ...broker.admin,
        reconnectPeriod: 0,
        protocolVersion: 5,
      });
      clients.push(second);
      const other = new Dynsec(second);
      await other.start();
      // cart-twice as an older server left it: no status ACL, and (a half-done provisioning) no role
      const rolename = cartRoleName("cart-twice");
      await dynsec.run({
        command: "removeRoleACL",
        rolename,
        acltype: "publishClientSend",
        topic: statusTopic(STORE, "cart-twice"),
      });
      await dynsec.run({ command: "removeClientRole", username: "cart-twice", rolename });
      const carts = [{ store: STORE, cart: "cart-twice" }];
      const [a, b] = await Promise.all([dynsecMigrateCarts(dynsec, carts), dynsecMigrateCarts(other, carts)]);
      expect(a.rolesUpdated + b.rolesUpdated).toBeGreaterThanOrEqual(1);
      expect(a.clientRoles + b.clientRoles).toBeGreaterThanOrEqual(1);
      expect(await dynsecMigrateCarts(dynsec, carts)).toEqual({
        checked: 1,
        rolesUpdated: 0,
        clientRoles: 0,
        disabled: 0,
        missing: [],
        foreign: [],
      });
    });

    it("a store admin provisioning a cart named like the server's broker account gets 409; the account keeps its password (0122)", async () => {
      if (!running) await start("key_mig_409");
      const r = await callStoreApi(running?.httpUrl ?? "", STORE, key, "POST", "/carts", {
        cart: account.username,
      });
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ code: "CART_EXISTS" });
      expect(JSON.stringify(r.body)).not.toContain("secret");
      // the registry row it wrote is not a usable cart, and revoking it touches no broker account
      const carts = (await call("GET", "/carts")) as unknown as { cart: string; revoked: boolean }[];
      expect(carts.find((c) => c.cart === account.username)).toMatchObject({ revoked: true });
      const server = await connect(account.username, account.password);
      expect(server.connected).toBe(true);
      expect((await call("GET", "/stats")).cartsOnline).toBeTypeOf("number");
    });
  },
);
