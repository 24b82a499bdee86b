/** The contract every read-model/registry adapter passes (SQLite and PostgreSQL). */
import { describe, expect, it } from "vitest";
import type { ReviewCaseView, SessionView, Storage } from "../read-models";
import { uniqueStore } from "./event-store.contract";

export interface ReadModelContractOptions {
  newStorage: () => Storage | Promise<Storage>;
}

function sessionView(store: string, session: string, over: Partial<SessionView> = {}): SessionView {
  return {
    store,
    session,
    cart: "c1",
    account: "acct-1",
    state: "shopping",
    open: true,
    total: 387,
    currency: "USD",
    openedAt: 1000,
    updatedAt: 1000,
    version: 1,
    screen: { session, state: "shopping", currency: "USD", total: 387, lines: [], seq: 1 },
    ...over,
  };
}

function reviewCase(store: string, caseId: string, over: Partial<ReviewCaseView> = {}): ReviewCaseView {
  return {
    store,
    caseId,
    session: "s1",
    kind: "uncertain",
    lineIds: ["line_1"],
    reason: "ambiguous",
    status: "open",
    openedAt: 1000,
    lines: [{ lineId: "line_1", sku: "cola-330", qty: 1, status: "unsure", evidence: { summary: "x" } }],
    version: 1,
    ...over,
  };
}

export function runReadModelContract({ newStorage }: ReadModelContractOptions): void {
  describe("read model contract", () => {
    it("sessions: put/get round-trips, an older version never overwrites a newer one", async () => {
      const s = await newStorage();
      const store = uniqueStore();
      const v3 = sessionView(store, "s1", {
        version: 3,
        state: "paid",
        open: false,
        total: 500,
        receipt: {
          store,
          session: "s1",
          currency: "USD",
          lines: [],
          adjustments: [],
          taxes: [],
          subtotal: 500,
          total: 500,
          captured: 500,
          refunded: 0,
          review: false,
          prompts: 0,
          issuedAt: 2000,
        },
      });
      await s.sessions.put(v3);
      await s.sessions.put(sessionView(store, "s1", { version: 2, state: "charging" }));
      expect(await s.sessions.get(store, "s1")).toEqual(v3);
      await s.sessions.put({ ...v3, version: 4, state: "refunded" });
      expect((await s.sessions.get(store, "s1"))?.state).toBe("refunded");
      expect(await s.sessions.get(uniqueStore(), "s1")).toBeUndefined();
    });

    it("sessions: lists by store, state and openness; finds a cart's latest session", async () => {
      const s = await newStorage();
      const store = uniqueStore();
      const other = uniqueStore();
      await s.sessions.put(
        sessionView(store, "s1", { openedAt: 1, updatedAt: 10, state: "paid", open: false }),
      );
      await s.sessions.put(sessionView(store, "s2", { openedAt: 2, updatedAt: 20 }));
      await s.sessions.put(sessionView(store, "s3", { openedAt: 3, updatedAt: 30, cart: "c2" }));
      await s.sessions.put(sessionView(other, "s4", { openedAt: 4, updatedAt: 40 }));
      expect((await s.sessions.list(store)).map((v) => v.session)).toEqual(["s3", "s2", "s1"]);
      expect((await s.sessions.list(store, { state: "paid" })).map((v) => v.session)).toEqual(["s1"]);
      expect((await s.sessions.list(store, { open: true })).map((v) => v.session)).toEqual(["s3", "s2"]);
      expect((await s.sessions.list(store, { limit: 1 })).map((v) => v.session)).toEqual(["s3"]);
      expect((await s.sessions.latestForCart(store, "c1"))?.session).toBe("s2");
      expect(await s.sessions.latestForCart(store, "c9")).toBeUndefined();
    });

    it("sessions: keyset pages in session-id order (`after`), the other filters still applied", async () => {
      const s = await newStorage();
      const store = uniqueStore();
      for (const [id, t] of [
        ["s5", 50],
        ["s1", 10],
        ["s4", 40],
        ["s2", 20],
        ["s3", 30],
      ] as const)
        await s.sessions.put(sessionView(store, id, { openedAt: t, updatedAt: 100 - t }));
      await s.sessions.put(
        sessionView(store, "s0", { openedAt: 1, updatedAt: 1, state: "paid", open: false }),
      );
      const page = async (after: string) =>
        (await s.sessions.list(store, { open: true, after, limit: 2 })).map((v) => v.session);
      expect(await page("")).toEqual(["s1", "s2"]);
      expect(await page("s2")).toEqual(["s3", "s4"]);
      // a row that leaves the filter between two pages skips nothing after it
      await s.sessions.put(
        sessionView(store, "s3", { openedAt: 30, updatedAt: 200, state: "paid", open: false }),
      );
      expect(await page("s2")).toEqual(["s4", "s5"]);
      expect(await page("s5")).toEqual([]);
    });

    it("review cases: the queue holds open cases oldest first; disputes and sessions list theirs", async () => {
      const s = await newStorage();
      const store = uniqueStore();
      await s.reviews.put(reviewCase(store, "case_3", { openedAt: 30 }));
      await s.reviews.put(reviewCase(store, "case_1", { openedAt: 10 }));
      await s.reviews.put(reviewCase(store, "case_2", { openedAt: 20, kind: "dispute", session: "s2" }));
      await s.reviews.put(reviewCase(uniqueStore(), "case_0", { openedAt: 1 }));
      expect((await s.reviews.queue(store)).map((c) => c.caseId)).toEqual(["case_1", "case_2", "case_3"]);
      expect((await s.reviews.queue(store, { kind: "dispute" })).map((c) => c.caseId)).toEqual(["case_2"]);
      const resolved = reviewCase(store, "case_1", {
        openedAt: 10,
        status: "resolved",
        decision: "correct",
        by: "rev-1",
        resolvedAt: 50,
        version: 2,
      });
      await s.reviews.put(resolved);
      await s.reviews.put(reviewCase(store, "case_1", { openedAt: 10, version: 1 }));
      expect(await s.reviews.get(store, "case_1")).toEqual(resolved);
      expect((await s.reviews.queue(store)).map((c) => c.caseId)).toEqual(["case_2", "case_3"]);
      expect((await s.reviews.forSession(store, "s1")).map((c) => c.caseId)).toEqual(["case_1", "case_3"]);
      expect((await s.reviews.disputes(store)).map((c) => c.caseId)).toEqual(["case_2"]);
    });

    it("review labels: recorded once per case, exported oldest first from a time", async () => {
      const s = await newStorage();
      const store = uniqueStore();
      const label = (caseId: string, at: number) => ({
        store,
        caseId,
        session: "s1",
        kind: "uncertain" as const,
        decision: "correct" as const,
        by: "rev",
        at,
        before: [{ lineId: "l1", sku: "a" }],
        after: [{ lineId: "l1", sku: "b", qty: 1 }],
      });
      await s.labels.record(label("c2", 20));
      await s.labels.record(label("c1", 10));
      await s.labels.record({ ...label("c1", 10), decision: "void" });
      expect(await s.labels.export(store)).toEqual([label("c1", 10), label("c2", 20)]);
      expect((await s.labels.export(store, { since: 15 })).map((l) => l.caseId)).toEqual(["c2"]);
      expect(await s.labels.export(uniqueStore())).toEqual([]);
    });

    it("carts: register, revoke, re-key; listed per store", async () => {
      const s = await newStorage();
      const store = uniqueStore();
      await s.carts.put({ store, cart: "c1", secretHash: "h1", createdAt: 5, label: "front" });
      await s.carts.put({ store, cart: "c2", secretHash: "h2", createdAt: 6 });
      expect(await s.carts.get(store, "c1")).toEqual({
        store,
        cart: "c1",
        secretHash: "h1",
        revoked: false,
        createdAt: 5,
        label: "front",
      });
      expect(await s.carts.revoke(store, "c1")).toBe(true);
      expect(await s.carts.revoke(store, "nope")).toBe(false);
      expect((await s.carts.get(store, "c1"))?.revoked).toBe(true);
      await s.carts.put({ store, cart: "c1", secretHash: "h3", createdAt: 7 });
      expect(await s.carts.get(store, "c1")).toMatchObject({
        secretHash: "h3",
        revoked: false,
        createdAt: 5,
      });
      expect((await s.carts.list(store)).map((c) => c.cart)).toEqual(["c1", "c2"]);
      expect(await s.carts.get(uniqueStore(), "c1")).toBeUndefined();
    });

    it("carts: an id is one store's (MQTT username): another store's put is refused, the own re-keys", async () => {
      const s = await newStorage();
      const [a, b] = [uniqueStore(), uniqueStore()];
      const cart = `cart-${a}`;
      expect(await s.carts.put({ store: a, cart, secretHash: "h1", createdAt: 1 })).toBe(true);
      expect(await s.carts.put({ store: b, cart, secretHash: "h2", createdAt: 2 })).toBe(false);
      expect(await s.carts.get(b, cart)).toBeUndefined();
      await s.carts.revoke(a, cart);
      // a revoked cart still holds its id
      expect(await s.carts.put({ store: b, cart, secretHash: "h3", createdAt: 3 })).toBe(false);
      expect(await s.carts.put({ store: a, cart, secretHash: "h4", createdAt: 4 })).toBe(true);
      expect(await s.carts.get(a, cart)).toMatchObject({ secretHash: "h4", revoked: false });
      // concurrent puts of one new id in two stores: exactly one store gets it
      const race = `race-${a}`;
      const got = await Promise.all([
        s.carts.put({ store: a, cart: race, secretHash: "ha", createdAt: 5 }),
        s.carts.put({ store: b, cart: race, secretHash: "hb", createdAt: 5 }),
      ]);
      expect(got.filter(Boolean)).toHaveLength(1);
    });

    it("api keys: found by hash until revoked, listed by scope", async () => {
      const s = await newStorage();
      const store = uniqueStore();
      const h = `hash-${store}`;
      await s.apiKeys.create({
        id: `key_${store}`,
        store,
        role: "reviewer",
        keyHash: h,
        createdAt: 1,
        label: "pat",
      });
      expect(await s.apiKeys.findByHash(h)).toEqual({
        id: `key_${store}`,
        store,
        role: "reviewer",
        keyHash: h,
        createdAt: 1,
        label: "pat",
        revoked: false,
      });
      expect((await s.apiKeys.list(store)).map((k) => k.id)).toEqual([`key_${store}`]);
      expect(await s.apiKeys.revoke(`key_${store}`)).toBe(true);
      expect(await s.apiKeys.findByHash(h)).toBeUndefined();
      expect((await s.apiKeys.list(store))[0].revoked).toBe(true);
      await expect(
        s.apiKeys.create({ id: `key2_${store}`, store, role: "admin", keyHash: h, createdAt: 2 }),
      ).rejects.toThrow();
    });

    it("api keys: who made each and who revoked it, when (the first revocation's)", async () => {
      const s = await newStorage();
      const scope = uniqueStore();
      const key = (id: string, createdBy?: string) =>
        s.apiKeys.create({
          id: `${id}_${scope}`,
          store: scope,
          role: "admin",
          keyHash: `h-${id}-${scope}`,
          createdAt: 1,
          ...(createdBy ? { createdBy } : {}),
        });
      await key("a1", "setup:cli");
      await key("a2", `a1_${scope}`);
      await key("op");
      expect(await s.apiKeys.revoke(`op_${scope}`, { by: `a1_${scope}`, at: 10 })).toBe(true);
      expect(await s.apiKeys.revoke(`op_${scope}`, { by: `a2_${scope}`, at: 20 })).toBe(true);
      expect(await s.apiKeys.revokeUnlessLastAdmin(scope, `a2_${scope}`, { by: `a1_${scope}`, at: 30 })).toBe(
        "revoked",
      );
      const byId = new Map((await s.apiKeys.list(scope)).map((k) => [k.id.split("_")[0], k]));
      expect(byId.get("a1")).toMatchObject({ createdBy: "setup:cli", revoked: false });
      expect(byId.get("a1")?.revokedBy).toBeUndefined();
      expect(byId.get("a2")).toMatchObject({
        createdBy: `a1_${scope}`,
        revokedBy: `a1_${scope}`,
        revokedAt: 30,
      });
      expect(byId.get("op")).toMatchObject({ revoked: true, revokedBy: `a1_${scope}`, revokedAt: 10 });
      expect(byId.get("op")?.createdBy).toBeUndefined();
    });

    it("api keys: a scope's last active admin key is not revoked; two revoking each other at once, one is", async () => {
      const s = await newStorage();
      const scope = uniqueStore();
      const key = (id: string, role: "admin" | "operator") =>
        s.apiKeys.create({
          id: `${id}_${scope}`,
          store: scope,
          role,
          keyHash: `h-${id}-${scope}`,
          createdAt: 1,
        });
      await key("a1", "admin");
      await key("op", "operator");
      expect(await s.apiKeys.revokeUnlessLastAdmin(scope, `a1_${scope}`)).toBe("last-admin");
      expect((await s.apiKeys.list(scope)).every((k) => !k.revoked)).toBe(true);
      expect(await s.apiKeys.revokeUnlessLastAdmin(scope, `op_${scope}`)).toBe("revoked");
      expect(await s.apiKeys.revokeUnlessLastAdmin(scope, `op_${scope}`)).toBe("revoked");
      expect(await s.apiKeys.revokeUnlessLastAdmin(scope, "key_nobody")).toBe("unknown");
      // another scope's key is unknown here
      expect(await s.apiKeys.revokeUnlessLastAdmin(uniqueStore(), `a1_${scope}`)).toBe("unknown");

      await key("a2", "admin");
      const both = await Promise.all([
        s.apiKeys.revokeUnlessLastAdmin(scope, `a1_${scope}`),
        s.apiKeys.revokeUnlessLastAdmin(scope, `a2_${scope}`),
      ]);
      expect(both.sort()).toEqual(["last-admin", "revoked"]);
      expect((await s.apiKeys.list(scope)).filter((k) => k.role === "admin" && !k.revoked)).toHaveLength(1);
    });

    it("accounts: a check-in code resolves to its payment method, per store", async () => {
      const s = await newStorage();
      const store = uniqueStore();
      await s.accounts.put({
        store,
        account: "app-123",
        paymentMethod: "tok_visa",
        createdAt: 1,
        name: "Ana",
      });
      await s.accounts.put({ store, account: "app-123", paymentMethod: "tok_mc", createdAt: 2 });
      expect(await s.accounts.get(store, "app-123")).toEqual({
        store,
        account: "app-123",
        paymentMethod: "tok_mc",
        createdAt: 1,
      });
      expect(await s.accounts.get(uniqueStore(), "app-123")).toBeUndefined();
    });
  });
}
