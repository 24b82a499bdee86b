/**
 * Revocation reaches sockets already open (the whole server: SQLite file, embedded broker, HTTP
 * on loopback). Before 2026-12-05 a `/ws` socket, once authenticated, was never checked again:
 * an API key revoked in the database (there was no route) kept its dashboard socket streaming
 * for as long as it stayed open, and so did a cart revoked in the database.
 *
 * - an API key revoked **in the database** (a second connection to the SQLite file, not the
 *   server): its next HTTP call is refused, and its live socket closes (4401) within
 *   `http.authRecheckSeconds` (1 s here); a cart revoked in the database, the same — its screen
 *   socket and its MQTT connection to the embedded broker (refused when it reconnects);
 * - the new route `POST …/api-keys/{keyId}/revoke`: the socket closes at once (the recheck is
 *   an hour here, so only the route can have closed it); another store's admin 403, another
 *   store's key through one's own store path 404;
 * - `POST /api/v1/chain/api-keys/{keyId}/revoke` for head-office keys (scope `*`): a chain admin
 *   only (a store's admin 403, whether the key exists or not), a store's key there 404; the
 *   key's socket closes at once (before: no route, 404);
 * - the chain's last active head-office admin key is not revoked there: 409
 *   `LAST_HEAD_OFFICE_ADMIN_KEY`, on SQLite and PostgreSQL (before: 200, and no key was left that
 *   could revoke head-office keys).
 */
import BetterSqlite3 from "better-sqlite3";
import mqtt, { type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import type { RunningServer } from "../../src/main";
import { callStoreApi } from "../support/store-api";
import { addApiKey } from "./support/in-process-server";
import { followSocket, within } from "./support/live-socket";
import { TwoWaterStores } from "./support/two-water-stores";

const stores = new TwoWaterStores("skiplane-revoke-");
const sockets: WebSocket[] = [];
const clients: MqttClient[] = [];

afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  for (const c of clients.splice(0)) await c.endAsync(true).catch(() => undefined);
  await stores.stop();
});

/** The server on `st-a` and `st-b`, its keys rechecked every `recheckSeconds`; `postgresSchema`: on PostgreSQL. */
const start = (recheckSeconds: number, postgresSchema?: string): Promise<RunningServer> =>
  stores.start({ env: { SKIPLANE_AUTH_RECHECK_SECONDS: String(recheckSeconds) }, postgresSchema });

/** A live socket authenticated with `auth` and subscribed to `sub`; `closed` resolves with its close code. */
const follow = (s: RunningServer, auth: object, sub: object) => followSocket(s.httpUrl, auth, sub, sockets);

/** POST …/chain/api-keys/{id}/revoke with key `k`: the status and the body */
async function revokeHeadOfficeKey(s: RunningServer, k: string, id: string) {
  const res = await fetch(`${s.httpUrl}/api/v1/chain/api-keys/${id}/revoke`, {
    method: "POST",
    headers: { authorization: `Bearer ${k}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** whether key `k` still works: the status of store st-b's /stats */
const storeBStats = async (s: RunningServer, k: string) =>
  (await callStoreApi(s.httpUrl, "st-b", k, "GET", "/stats")).status;

describe("revocation reaches open sockets", () => {
  it("an API key revoked in the database: HTTP refused at once, its live socket closed within the recheck", async () => {
    const s = await start(1);
    const key = await addApiKey(s, "key_op_a", "st-a", "operator");
    const other = await addApiKey(s, "key_op_a2", "st-a", "operator");
    const stats = () => callStoreApi(s.httpUrl, "st-a", key, "GET", "/stats");
    expect((await stats()).status).toBe(200);
    const revoked = await follow(s, { key }, { store: "st-a" });
    const kept = await follow(s, { key: other }, { store: "st-a" });

    const db = new BetterSqlite3(s.config.database.sqliteFile);
    db.prepare("UPDATE api_keys SET revoked = 1 WHERE id = ?").run("key_op_a");
    db.close();

    expect((await stats()).status).toBe(401);
    // the bound is the recheck interval (1 s here); 5 s leaves room for a loaded machine
    expect(await within(revoked.closed, 5000)).toBe(4401);
    expect(await within(kept.closed, 1500)).toBe("still open");
  });

  it("a cart revoked in the database: its screen socket closed within the recheck", async () => {
    const s = await start(1);
    const admin = await addApiKey(s, "key_admin_a", "st-a", "admin");
    const made = await callStoreApi(s.httpUrl, "st-a", admin, "POST", "/carts", { cart: "cart-r1" });
    expect(made.status).toBe(201);
    const secret = made.body.secret as string;
    const screen = await follow(s, { cart: "cart-r1", secret }, { store: "st-a", cart: "cart-r1" });
    const mqttUrl = `mqtt://127.0.0.1:${s.mqttPort}`;
    const cart = await mqtt.connectAsync(mqttUrl, {
      username: "cart-r1",
      password: secret,
      reconnectPeriod: 0,
    });
    clients.push(cart);
    const cartClosed = new Promise<string>((r) => cart.once("close", () => r("disconnected")));

    const db = new BetterSqlite3(s.config.database.sqliteFile);
    db.prepare("UPDATE carts SET revoked = 1 WHERE store = ? AND cart = ?").run("st-a", "cart-r1");
    db.close();

    expect(await within(screen.closed, 5000)).toBe(4401);
    // its MQTT connection too (before: it went on publishing until it reconnected), and it is refused after
    expect(await within(cartClosed, 5000)).toBe("disconnected");
    const again = await mqtt
      .connectAsync(mqttUrl, { username: "cart-r1", password: secret, reconnectPeriod: 0 })
      .then(
        (c) => {
          clients.push(c);
          return "connected";
        },
        () => "refused",
      );
    expect(again).toBe("refused");
  });

  it("POST …/api-keys/{keyId}/revoke closes the key's sockets at once; only the key's own store's admin", async () => {
    const s = await start(3600);
    const adminA = await addApiKey(s, "key_admin_a", "st-a", "admin");
    const adminB = await addApiKey(s, "key_admin_b", "st-b", "admin");
    const reviewer = await addApiKey(s, "key_rev_a", "st-a", "reviewer");
    const keyB = await addApiKey(s, "key_op_b", "st-b", "operator");
    const live = await follow(s, { key: reviewer }, { store: "st-a" });
    const revoke = (store: string, k: string, id: string) =>
      callStoreApi(s.httpUrl, store, k, "POST", `/api-keys/${id}/revoke`);

    expect((await revoke("st-a", adminB, "key_rev_a")).status).toBe(403);
    expect((await revoke("st-a", reviewer, "key_rev_a")).status).toBe(403);
    // st-b's key through st-a's path: not found, not revoked
    expect((await revoke("st-a", adminA, "key_op_b")).status).toBe(404);
    expect((await callStoreApi(s.httpUrl, "st-b", keyB, "GET", "/stats")).status).toBe(200);
    expect(await within(live.closed, 300)).toBe("still open");

    const r = await revoke("st-a", adminA, "key_rev_a");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ store: "st-a", id: "key_rev_a", revoked: true });
    expect(await within(live.closed, 2000)).toBe(4401);
    expect((await callStoreApi(s.httpUrl, "st-a", reviewer, "GET", "/reviews")).status).toBe(401);
  });

  it("POST /api/v1/chain/api-keys/{keyId}/revoke: a head-office key, by a chain admin only; its sockets close at once", async () => {
    const s = await start(3600);
    const chainAdmin = await addApiKey(s, "key_hq_admin", "*", "admin");
    const chainOp = await addApiKey(s, "key_hq_op", "*", "operator");
    const adminA = await addApiKey(s, "key_admin_a", "st-a", "admin");
    const opA = await addApiKey(s, "key_op_a", "st-a", "operator");
    const live = await follow(s, { key: chainOp }, { store: "st-b" });
    const revoke = (k: string, id: string) => revokeHeadOfficeKey(s, k, id);
    const works = (k: string) => storeBStats(s, k);

    // a store's admin: 403 whether the key exists or not (nothing learnt), and not through its store's route
    expect((await revoke(adminA, "key_hq_op")).status).toBe(403);
    expect((await revoke(adminA, "key_nobody")).status).toBe(403);
    expect((await callStoreApi(s.httpUrl, "st-a", adminA, "POST", "/api-keys/key_hq_op/revoke")).status).toBe(
      404,
    );
    // head office's operator is no admin; no key at all is 401
    expect((await revoke(chainOp, "key_hq_op")).status).toBe(403);
    expect(
      (await fetch(`${s.httpUrl}/api/v1/chain/api-keys/key_hq_op/revoke`, { method: "POST" })).status,
    ).toBe(401);
    // a store's key is not head office's: 404 here, its store's route revokes it
    expect((await revoke(chainAdmin, "key_op_a")).status).toBe(404);
    expect((await callStoreApi(s.httpUrl, "st-a", opA, "GET", "/stats")).status).toBe(200);
    expect((await revoke(chainAdmin, "key_nobody")).status).toBe(404);
    expect(await works(chainOp)).toBe(200);
    expect(await within(live.closed, 300)).toBe("still open");

    const r = await revoke(chainAdmin, "key_hq_op");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ store: "*", id: "key_hq_op", revoked: true });
    // the recheck is an hour: only the route can have closed it
    expect(await within(live.closed, 2000)).toBe(4401);
    expect(await works(chainOp)).toBe(401);
    expect(await works(chainAdmin)).toBe(200);
  });

  it.each(["sqlite", "postgres"])(
    "%s: the chain's last active head-office admin key is not revoked (409), another's is",
    async (db) => {
      const s = await start(3600, db === "postgres" ? "lastkey" : undefined);
      expect(s.storage.kind).toBe(db);
      const hq1 = await addApiKey(s, "key_hq_1", "*", "admin");
      const hqOp = await addApiKey(s, "key_hq_op", "*", "operator");
      const revoke = (k: string, id: string) => revokeHeadOfficeKey(s, k, id);
      const works = (k: string) => storeBStats(s, k);

      // the only head-office admin revoking itself: refused, with the reason; still works
      const last = await revoke(hq1, "key_hq_1");
      expect(last.status).toBe(409);
      expect(last.body.code).toBe("LAST_HEAD_OFFICE_ADMIN_KEY");
      expect(String(last.body.detail)).toContain("last active head-office admin key");
      expect(await works(hq1)).toBe(200);
      // an operator key of head office does not count: it cannot revoke anything
      expect(await works(hqOp)).toBe(200);

      // with a second admin, either may go; then the one left is the last
      const hq2 = await addApiKey(s, "key_hq_2", "*", "admin");
      expect((await revoke(hq2, "key_hq_1")).status).toBe(200);
      expect(await works(hq1)).toBe(401);
      const again = await revoke(hq2, "key_hq_2");
      expect(again.status).toBe(409);
      expect(again.body.code).toBe("LAST_HEAD_OFFICE_ADMIN_KEY");
      expect(await works(hq2)).toBe(200);
      // a key revoked already stays revoked (200, as before); head office's operator key may go
      expect((await revoke(hq2, "key_hq_1")).status).toBe(200);
      expect((await revoke(hq2, "key_hq_op")).status).toBe(200);
      expect(await works(hqOp)).toBe(401);
      // a store's admin keys are not head office's: they do not count, and its route is unchanged
      const adminA = await addApiKey(s, "key_admin_a", "st-a", "admin");
      expect((await revoke(hq2, "key_hq_2")).status).toBe(409);
      expect(
        (await callStoreApi(s.httpUrl, "st-a", adminA, "POST", "/api-keys/key_admin_a/revoke")).status,
      ).toBe(200);
    },
    30_000,
  );
});
