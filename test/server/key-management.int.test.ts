/**
 * API key management as a whole (decision 0123), the whole server (SQLite file or PostgreSQL
 * schema, embedded broker, HTTP on loopback). Before, head office's keys (scope `*`) could only be
 * made at setup (the demo seed): no route made one, so the chain could not give its review team a
 * key, and — with the last head-office admin key guarded against revocation — could not rotate
 * a leaked one: the leaked key had to stay active for ever. No route listed any key, so an admin
 * could not see which keys existed, and nothing said who had made or revoked a key.
 *
 * - `POST /api/v1/chain/api-keys`: a chain admin makes a head-office key of any role; a store's
 *   admin and head office's operators and reviewers 403, no key 401; rotation of the only
 *   head-office admin key (make its successor, then revoke it) works;
 * - `GET /api/v1/chain/api-keys` and `GET …/stores/{s}/api-keys`: the scope's admins only, the
 *   scope's keys only, never a hash or secret, with who made and who revoked each, and when;
 * - `skiplane keys create --store '*' --role admin`: a deployment with no head-office admin key
 *   gets its first one from whoever holds the database (before: SQL by hand).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/main";
import { run } from "../cli/support/run-cli";
import { callStoreApi } from "../support/store-api";
import { addApiKey } from "./support/in-process-server";
import { TwoWaterStores } from "./support/two-water-stores";

const stores = new TwoWaterStores("skiplane-keys-");
afterEach(() => stores.stop());

async function start(db: "sqlite" | "postgres" = "sqlite"): Promise<RunningServer> {
  const server = await stores.start(db === "postgres" ? { postgresSchema: "keys" } : {});
  expect(server.storage.kind).toBe(db);
  return server;
}

/** A call to `/api/v1/chain{path}` with key `k` (none: no Authorization). */
async function chain(s: RunningServer, k: string | undefined, method: string, path: string, body?: unknown) {
  const res = await fetch(`${s.httpUrl}/api/v1/chain${path}`, {
    method,
    headers: {
      ...(k ? { authorization: `Bearer ${k}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & Record<string, unknown>[],
  };
}

const stats = async (s: RunningServer, store: string, k: string) =>
  (await callStoreApi(s.httpUrl, store, k, "GET", "/stats")).status;

describe("API key management", () => {
  it.each(["sqlite", "postgres"] as const)(
    "%s: a chain admin makes head-office keys and rotates the only head-office admin key",
    async (db) => {
      const s = await start(db);
      const hq = await addApiKey(s, "key_hq_1", "*", "admin");

      // a reviewer key for head office's review team: every store's queue, nothing else
      const made = await chain(s, hq, "POST", "/api-keys", { role: "reviewer", label: "central review" });
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({ store: "*", role: "reviewer", label: "central review" });
      const reviewer = made.body.key as string;
      expect((await callStoreApi(s.httpUrl, "st-a", reviewer, "GET", "/reviews")).status).toBe(200);
      expect((await callStoreApi(s.httpUrl, "st-b", reviewer, "GET", "/reviews")).status).toBe(200);
      expect(
        (await callStoreApi(s.httpUrl, "st-a", reviewer, "POST", "/carts", { cart: "c-x" })).status,
      ).toBe(403);
      expect((await chain(s, reviewer, "POST", "/api-keys", { role: "admin" })).status).toBe(403);

      // rotation of the only head-office admin key: its successor first, then the old one goes
      expect((await chain(s, hq, "POST", "/api-keys/key_hq_1/revoke")).status).toBe(409);
      const next = await chain(s, hq, "POST", "/api-keys", { role: "admin", label: "hq 2026-12" });
      expect(next.status).toBe(201);
      const hq2 = next.body.key as string;
      const hq2Id = next.body.id as string;
      const rotated = await chain(s, hq2, "POST", "/api-keys/key_hq_1/revoke");
      expect(rotated.status).toBe(200);
      expect(await stats(s, "st-b", hq)).toBe(401);
      expect(await stats(s, "st-b", hq2)).toBe(200);
      // and the new one is now the last
      expect((await chain(s, hq2, "POST", `/api-keys/${hq2Id}/revoke`)).status).toBe(409);

      // the audit trail: who made each key and who revoked it, never a hash or a secret
      const listed = await chain(s, hq2, "GET", "/api-keys");
      expect(listed.status).toBe(200);
      const byId = new Map((listed.body as unknown as Record<string, unknown>[]).map((k) => [k.id, k]));
      expect([...byId.keys()].sort()).toEqual(["key_hq_1", made.body.id, hq2Id].sort());
      expect(byId.get("key_hq_1")).toMatchObject({ revoked: true, revokedBy: hq2Id, role: "admin" });
      expect(typeof byId.get("key_hq_1")?.revokedAt).toBe("number");
      expect(byId.get(made.body.id)).toMatchObject({
        createdBy: "key_hq_1",
        revoked: false,
        role: "reviewer",
      });
      expect(byId.get(hq2Id)).toMatchObject({ createdBy: "key_hq_1", revoked: false });
      const text = JSON.stringify(listed.body);
      expect(text).not.toMatch(/keyHash|key_hash/);
      expect(text).not.toContain(hq2.split("_").pop());
    },
    30_000,
  );

  it("only a chain admin makes or lists head-office keys (403 before any lookup; no key 401)", async () => {
    const s = await start();
    const hq = await addApiKey(s, "key_hq", "*", "admin");
    const hqOp = await addApiKey(s, "key_hq_op", "*", "operator");
    const hqRev = await addApiKey(s, "key_hq_rev", "*", "reviewer");
    const adminA = await addApiKey(s, "key_admin_a", "st-a", "admin");

    for (const k of [hqOp, hqRev, adminA]) {
      expect((await chain(s, k, "POST", "/api-keys", { role: "admin" })).status).toBe(403);
      expect((await chain(s, k, "GET", "/api-keys")).status).toBe(403);
    }
    expect((await chain(s, undefined, "POST", "/api-keys", { role: "admin" })).status).toBe(401);
    expect((await chain(s, undefined, "GET", "/api-keys")).status).toBe(401);
    // a store's admin cannot make a chain key through a store path either
    expect((await callStoreApi(s.httpUrl, "*", adminA, "POST", "/api-keys", { role: "admin" })).status).toBe(
      403,
    );
    // a store field in the body does not widen a key made by a store's admin
    const sneaky = await callStoreApi(s.httpUrl, "st-a", adminA, "POST", "/api-keys", {
      role: "admin",
      store: "*",
    });
    expect([201, 400]).toContain(sneaky.status);
    if (sneaky.status === 201) {
      expect(sneaky.body.store).toBe("st-a");
      expect(await stats(s, "st-b", sneaky.body.key as string)).toBe(403);
    }
    // nothing was made by the refused calls
    const listed = await chain(s, hq, "GET", "/api-keys");
    expect((listed.body as unknown as { id: string }[]).map((k) => k.id).sort()).toEqual([
      "key_hq",
      "key_hq_op",
      "key_hq_rev",
    ]);
  });

  it("a store's admin lists its own store's keys only, with who made and revoked each", async () => {
    const s = await start();
    const hq = await addApiKey(s, "key_hq", "*", "admin");
    const adminA = await addApiKey(s, "key_admin_a", "st-a", "admin");
    const opA = await addApiKey(s, "key_op_a", "st-a", "operator");
    const adminB = await addApiKey(s, "key_admin_b", "st-b", "admin");

    const made = await callStoreApi(s.httpUrl, "st-a", adminA, "POST", "/api-keys", { role: "reviewer" });
    expect(made.status).toBe(201);
    const byHq = await callStoreApi(s.httpUrl, "st-a", hq, "POST", "/api-keys", { role: "operator" });
    expect(byHq.status).toBe(201);
    expect((await callStoreApi(s.httpUrl, "st-a", adminA, "POST", "/api-keys/key_op_a/revoke")).status).toBe(
      200,
    );

    const list = await callStoreApi(s.httpUrl, "st-a", adminA, "GET", "/api-keys");
    expect(list.status).toBe(200);
    const keys = list.body as unknown as Record<string, unknown>[];
    expect(keys.map((k) => k.id).sort()).toEqual(
      ["key_admin_a", "key_op_a", made.body.id, byHq.body.id].sort() as string[],
    );
    expect(keys.every((k) => k.store === "st-a")).toBe(true);
    expect(keys.find((k) => k.id === made.body.id)).toMatchObject({
      createdBy: "key_admin_a",
      role: "reviewer",
    });
    expect(keys.find((k) => k.id === byHq.body.id)).toMatchObject({ createdBy: "key_hq" });
    expect(keys.find((k) => k.id === "key_op_a")).toMatchObject({ revoked: true, revokedBy: "key_admin_a" });
    expect(JSON.stringify(keys)).not.toMatch(/keyHash|key_hash/);

    // another store's admin, and the store's own operator: 403; head office: allowed
    expect((await callStoreApi(s.httpUrl, "st-a", adminB, "GET", "/api-keys")).status).toBe(403);
    expect((await callStoreApi(s.httpUrl, "st-a", opA, "GET", "/api-keys")).status).toBe(401);
    const reviewerA = made.body.key as string;
    expect((await callStoreApi(s.httpUrl, "st-a", reviewerA, "GET", "/api-keys")).status).toBe(403);
    expect((await callStoreApi(s.httpUrl, "st-a", hq, "GET", "/api-keys")).status).toBe(200);
  });

  it("skiplane keys create: the first head-office admin key of a deployment that has none", async () => {
    const s = await start();
    const file = s.config.database.sqliteFile as string;
    const r = run("keys", "create", "--db", file, "--store", "*", "--role", "admin", "--label", "bootstrap");
    expect(r.code, r.err).toBe(0);
    const hq = r.out.trim();
    expect(hq).toMatch(/^skl_key_[0-9a-f]+_/);
    const listed = await chain(s, hq, "GET", "/api-keys");
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([
      expect.objectContaining({ store: "*", role: "admin", label: "bootstrap", createdBy: "setup:cli" }),
    ]);
    const list = run("keys", "list", "--db", file, "--store", "*");
    expect(list.out).toContain('"createdBy":"setup:cli"');
    expect(list.out).not.toContain(hq.split("_").pop());
    expect(list.out).not.toMatch(/keyHash/);
    expect(run("keys", "create", "--db", file, "--store", "*", "--role", "root").code).toBe(1);
  }, 60_000);
});
