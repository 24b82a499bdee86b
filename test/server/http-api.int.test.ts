import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { apiFixture, sessionView } from "./support/api-fixture";

let f: Awaited<ReturnType<typeof apiFixture>>;
const auth = (key: string) => ({ authorization: `Bearer ${key}` });
/** The app's answer to `method url`, with `key` as the bearer token (none: no credentials) and `payload`. */
const call = (method: "GET" | "POST", url: string, key?: string, payload?: object) =>
  f.app.inject({ method, url, ...(key ? { headers: auth(key) } : {}), ...(payload ? { payload } : {}) });

beforeAll(async () => {
  f = await apiFixture();
  await f.storage.sessions.put(sessionView("st-a", "s-1"));
  await f.storage.sessions.put(sessionView("st-b", "s-9"));
  await f.storage.sessions.put(
    sessionView("st-a", "s-2", { open: true, state: "shopping", receipt: undefined, version: 3 }),
  );
  for (const [i, caseId] of ["case_2", "case_1"].entries()) {
    await f.storage.reviews.put({
      store: "st-a",
      caseId,
      session: "s-1",
      kind: "uncertain",
      lineIds: ["line_1"],
      reason: "look-alike products",
      status: "open",
      openedAt: 1_763_700_000_000 + (caseId === "case_1" ? 0 : 5000) + i,
      lines: [{ lineId: "line_1", sku: "cola-330", qty: 3, status: "unsure", evidence: { summary: "x" } }],
      version: 1,
    });
  }
});
afterAll(async () => f.close());

describe("HTTP API: auth and tenancy", () => {
  it("answers 401 problem+json without a key or with a bad one", async () => {
    const r = await call("GET", "/api/v1/stores/st-a/carts");
    expect(r.statusCode).toBe(401);
    expect(r.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(r.json()).toMatchObject({ status: 401, code: "UNAUTHORIZED", title: "Unauthorized" });
    const bad = await call("GET", "/api/v1/stores/st-a/carts", "skl_x_y");
    expect(bad.statusCode).toBe(401);
  });

  it("never lets one store's key read another store's carts, sessions, receipts or reviews", async () => {
    for (const path of [
      "carts",
      "sessions",
      "receipts",
      "receipts/s-9",
      "reviews",
      "stats",
      "labels.jsonl",
    ]) {
      const r = await call("GET", `/api/v1/stores/st-b/${path}`, f.keys.adminA);
      expect(r.statusCode, path).toBe(403);
      expect(r.json().code).toBe("FORBIDDEN");
    }
    const own = await call("GET", "/api/v1/stores/st-b/receipts/s-9", f.keys.adminB);
    expect(own.statusCode).toBe(200);
    const ho = await call("GET", "/api/v1/stores/st-a/receipts/s-1", f.keys.headOffice);
    expect(ho.statusCode).toBe(200);
    const stores = await call("GET", "/api/v1/stores", f.keys.adminA);
    expect(stores.json()).toEqual(["st-a"]);
    const unknown = await call("GET", "/api/v1/stores/st-zz/carts", f.keys.headOffice);
    expect(unknown.statusCode).toBe(404);
  });

  it("checks roles: an operator cannot decide reviews, a reviewer cannot provision carts", async () => {
    const d = await call("POST", "/api/v1/stores/st-a/reviews/case_1/decision", f.keys.operatorA, {
      decision: "confirm",
    });
    expect(d.statusCode).toBe(403);
    const p = await call("POST", "/api/v1/stores/st-a/carts", f.keys.reviewerA, { cart: "cart-x" });
    expect(p.statusCode).toBe(403);
  });
});

describe("HTTP API: carts", () => {
  it("provisions a cart (secret once, hash stored), lists it, refuses its id in another store, revokes it", async () => {
    const r = await call("POST", "/api/v1/stores/st-a/carts", f.keys.adminA, {
      cart: "cart-7",
      label: "aisle 7",
    });
    expect(r.statusCode).toBe(201);
    const body = r.json();
    expect(body.secret.length).toBeGreaterThanOrEqual(32);
    expect(body.mqtt).toEqual({
      username: "cart-7",
      events: "skiplane/v1/st-a/carts/cart-7/events",
      screen: "skiplane/v1/st-a/carts/cart-7/screen",
      errors: "skiplane/v1/st-a/carts/cart-7/errors",
    });
    const stored = await f.storage.carts.get("st-a", "cart-7");
    expect(stored?.secretHash).toMatch(/^scrypt\$/);
    expect(stored?.secretHash).not.toContain(body.secret);
    expect(f.sink.provisioned).toContain("cart-7");

    f.sink.connected.add("cart-7");
    const list = await call("GET", "/api/v1/stores/st-a/carts", f.keys.operatorA);
    expect(list.json()).toEqual([
      expect.objectContaining({ cart: "cart-7", label: "aisle 7", online: true, revoked: false }),
    ]);
    expect(JSON.stringify(list.json())).not.toContain("scrypt");

    const dup = await call("POST", "/api/v1/stores/st-b/carts", f.keys.adminB, { cart: "cart-7" });
    expect(dup.statusCode).toBe(409);

    const bad = await call("POST", "/api/v1/stores/st-a/carts", f.keys.adminA, { cart: "a/b#" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: "VALIDATION" });
    expect(bad.json().errors.length).toBeGreaterThan(0);

    const rev = await call("POST", "/api/v1/stores/st-a/carts/cart-7/revoke", f.keys.adminA);
    expect(rev.statusCode).toBe(200);
    expect(f.sink.revoked).toContain("cart-7");
    const missing = await call("POST", "/api/v1/stores/st-a/carts/nope/revoke", f.keys.adminA);
    expect(missing.statusCode).toBe(404);
  });
});

describe("HTTP API: sessions, receipts, disputes", () => {
  it("lists active sessions with totals and by state", async () => {
    const r = await call("GET", "/api/v1/stores/st-a/sessions?open=true", f.keys.operatorA);
    expect(r.json().map((s: { session: string }) => s.session)).toEqual(["s-2"]);
    const closed = await call("GET", "/api/v1/stores/st-a/sessions?state=closed", f.keys.operatorA);
    expect(closed.json().map((s: { session: string }) => s.session)).toEqual(["s-1"]);
  });

  it("serves a receipt as JSON with a token link, as escaped HTML, and by token without a key", async () => {
    const r = await call("GET", "/api/v1/stores/st-a/receipts/s-1", f.keys.operatorA);
    expect(r.statusCode).toBe(200);
    const link: string = r.json().link;
    expect(link).toMatch(/\/r\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const html = await call("GET", "/api/v1/stores/st-a/receipts/s-1?format=html", f.keys.operatorA);
    expect(html.headers["content-type"]).toMatch(/text\/html/);
    expect(html.body).toContain("Cola &lt;330 ml&gt; can");
    expect(html.body).toContain("$3.87");

    const token = link.split("/r/")[1];
    const shopper = await call("GET", `/api/v1/receipt/${token}`);
    expect(shopper.json()).toMatchObject({ session: "s-1", total: 387 });
    const forged = await call("GET", `/api/v1/receipt/${token.slice(0, -2)}xx`);
    expect(forged.statusCode).toBe(404);

    const dispute = await call("POST", `/api/v1/receipt/${token}/disputes`, undefined, {
      lineId: "line_1",
      reason: "I bought two, not three",
    });
    expect(dispute.statusCode).toBe(201);
    expect(dispute.json().caseId).toBe("case_d_line_1");
    const noLine = await call("POST", `/api/v1/receipt/${token}/disputes`, undefined, {
      lineId: "line_404",
      reason: "?",
    });
    expect(noLine.statusCode).toBe(404);
  });
});

describe("HTTP API: review", () => {
  it("queues oldest first with evidence, validates and records decisions, exports labels as JSONL", async () => {
    const q = await call("GET", "/api/v1/stores/st-a/reviews?kind=uncertain", f.keys.reviewerA);
    expect(q.json().map((c: { caseId: string }) => c.caseId)).toEqual(["case_1", "case_2"]);
    expect(q.json()[0].lines[0].evidence).toEqual({ summary: "x" });

    const noFix = await call("POST", "/api/v1/stores/st-a/reviews/case_1/decision", f.keys.reviewerA, {
      decision: "correct",
    });
    expect(noFix.statusCode).toBe(400);

    const ok = await call("POST", "/api/v1/stores/st-a/reviews/case_1/decision", f.keys.reviewerA, {
      decision: "confirm",
      note: "clear on camera",
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: "resolved", decision: "confirm" });
    expect(ok.json().by).toContain("rita");
    const again = await call("POST", "/api/v1/stores/st-a/reviews/case_1/decision", f.keys.reviewerA, {
      decision: "void",
    });
    expect(again.statusCode).toBe(409);

    const labels = await call("GET", "/api/v1/stores/st-a/labels.jsonl", f.keys.reviewerA);
    expect(labels.headers["content-type"]).toMatch(/application\/x-ndjson/);
    const lines = labels.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ caseId: "case_1", decision: "confirm" })]);
  });

  it("reports store stats for the dashboard", async () => {
    const r = await call("GET", "/api/v1/stores/st-a/stats", f.keys.operatorA);
    expect(r.json()).toMatchObject({
      store: "st-a",
      activeSessions: 1,
      sessionsByState: { closed: 1, shopping: 1 },
    });
    // the open-case count and the oldest wait, which an operator cannot read from /reviews
    const queue = (await call("GET", "/api/v1/stores/st-a/reviews", f.keys.adminA)).json() as {
      openedAt: number;
    }[];
    expect(queue.length).toBeGreaterThan(0);
    expect(r.json().openReviews).toBe(queue.length);
    expect(r.json().oldestOpenReviewAt).toBe(Math.min(...queue.map((c) => c.openedAt)));
  });
});

describe("HTTP API: documents, health, metrics", () => {
  it("serves an OpenAPI 3 document generated from the zod schemas", async () => {
    const doc = (await call("GET", "/openapi.json")).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/stores/{store}/carts",
        "/api/v1/stores/{store}/reviews/{caseId}/decision",
      ]),
    );
    const body =
      doc.paths["/api/v1/stores/{store}/reviews/{caseId}/decision"].post.requestBody.content[
        "application/json"
      ].schema;
    expect(body.properties.decision.enum).toEqual(["confirm", "correct", "void", "uphold", "reject"]);
  });

  it("health, readiness and metrics", async () => {
    expect((await call("GET", "/healthz")).statusCode).toBe(200);
    expect((await call("GET", "/readyz")).json()).toMatchObject({ status: "ready" });
    const m = await call("GET", "/metrics", f.keys.headOffice);
    expect(m.statusCode).toBe(200);
    expect(m.body).toMatch(
      /skiplane_http_requests_total\{route="\/api\/v1\/stores\/:store\/carts",status="401"\}/,
    );
    expect(m.body).toMatch(/skiplane_auth_failures_total\{reason="api-tenant"\}/);
    const nf = await call("GET", "/api/v1/nope");
    expect(nf.statusCode).toBe(404);
    expect(nf.headers["content-type"]).toMatch(/problem\+json/);
  });
});

describe("WebSocket /ws", () => {
  it("authenticates with the first frame, follows a store, refuses another store", async () => {
    const address = await f.app.listen({ port: 0, host: "127.0.0.1" });
    const url = `${address.replace("http", "ws")}/ws`;
    const ws = new WebSocket(url);
    const frames: { type: string }[] = [];
    const next = (type: string) =>
      new Promise<Record<string, unknown>>((resolve) => {
        ws.on("message", (d) => {
          const f = JSON.parse(String(d));
          frames.push(f);
          if (f.type === type) resolve(f);
        });
      });
    await new Promise((r) => ws.once("open", r));
    const ready = next("ready");
    ws.send(JSON.stringify({ type: "auth", key: f.keys.operatorA }));
    expect(await ready).toMatchObject({ as: "operator" });
    const sub = next("subscribed");
    ws.send(JSON.stringify({ type: "subscribe", store: "st-a" }));
    await sub;
    const screen = next("screen");
    f.live.publishScreen("st-a", "cart-1", {
      state: "shopping",
      currency: "USD",
      total: 5,
      lines: [],
      seq: 1,
    });
    expect(await screen).toMatchObject({ cart: "cart-1", screen: { total: 5 } });
    const closed = new Promise<number>((r) => ws.once("close", (code) => r(code)));
    ws.send(JSON.stringify({ type: "subscribe", store: "st-b" }));
    expect(await closed).toBe(4403);

    const anon = new WebSocket(url);
    await new Promise((r) => anon.once("open", r));
    const closedAnon = new Promise<number>((r) => anon.once("close", (code) => r(code)));
    anon.send(JSON.stringify({ type: "subscribe", store: "st-a" }));
    expect(await closedAnon).toBe(4401);
  });
});

describe("HTTP API: holds owed a release (decision 0112)", () => {
  it("shows a session's holds owed a release and lists only the sessions that owe one", async () => {
    const owed = {
      authorizationId: "auth_in",
      amount: 300,
      reason: "release timeout: no answer",
      failedAt: 5,
    };
    await f.storage.sessions.put(sessionView("st-a", "s-owes", { state: "paid", holdsToRelease: [owed] }));
    const list = await call("GET", "/api/v1/stores/st-a/sessions?holdsToRelease=true", f.keys.operatorA);
    expect(list.statusCode).toBe(200);
    expect(list.json().map((s: { session: string }) => s.session)).toEqual(["s-owes"]);
    const one = await call("GET", "/api/v1/stores/st-a/sessions/s-owes", f.keys.operatorA);
    expect(one.json().holdsToRelease).toEqual([owed]);
    const plain = await call("GET", "/api/v1/stores/st-a/sessions/s-1", f.keys.operatorA);
    expect(plain.json()).not.toHaveProperty("holdsToRelease");
  });
});
