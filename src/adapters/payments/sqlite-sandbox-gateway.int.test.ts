import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { runPaymentGatewayContract } from "../../app/ports/contracts/payment-gateway.contract";
import { openSqliteStorage } from "../sqlite/sqlite-storage";
import { runSandboxExpiryCases } from "./sandbox-expiry.cases";
import { SLOW_ANSWER_MS } from "./sandbox-rules";
import { SqliteSandboxGateway } from "./sqlite-sandbox-gateway";

const dir = mkdtempSync(join(tmpdir(), "skiplane-paysb-"));
const opened: SqliteSandboxGateway[] = [];
const open = (file = join(dir, "ledger.sqlite")) => {
  const g = new SqliteSandboxGateway({ file });
  opened.push(g);
  return g;
};
afterAll(() => {
  for (const g of opened) g.close();
  rmSync(dir, { recursive: true, force: true });
});

runPaymentGatewayContract({
  newGateway: () => open(),
  tokens: { approve: "tok_visa", decline: "tok-decline", nsf: "tok-nsf", timeout: "tok-timeout" },
});

describe("SQLite sandbox ledger", () => {
  runSandboxExpiryCases(async (now) => {
    const g = new SqliteSandboxGateway({ file: join(dir, "expiry.sqlite"), now });
    opened.push(g);
    return { gateway: g, holds: async () => g.ledger().holds };
  });

  it("opens a ledger made before holds expired: its holds stay held", async () => {
    const file = join(dir, "old.sqlite");
    const raw = new BetterSqlite3(file);
    raw.exec(
      "CREATE TABLE sandbox_holds (authorization_id TEXT PRIMARY KEY, payment_method TEXT NOT NULL, currency TEXT NOT NULL, amount INTEGER NOT NULL, status TEXT NOT NULL, reference TEXT NOT NULL)",
    );
    raw
      .prepare(
        "INSERT INTO sandbox_holds VALUES ('auth_old', 'tok_visa', 'USD', 700, 'held', 'st/session/old')",
      )
      .run();
    raw.close();
    const g = open(file);
    expect(g.ledger().holds.map((h) => [h.authorizationId, h.status])).toEqual([["auth_old", "held"]]);
    expect(
      await g.capture({ idempotencyKey: "cap-old", authorizationId: "auth_old", amount: 700 }),
    ).toMatchObject({
      status: "approved",
    });
  });

  const holdReq = (key: string, paymentMethod = "tok_visa") => ({
    idempotencyKey: key,
    paymentMethod,
    amount: 900,
    currency: "USD",
    reference: `st/session/${key}`,
  });

  it("outlives its process: a new instance on the file answers a retried key with the first result and moves no money again", async () => {
    const file = join(dir, "restart.sqlite");
    const first = open(file);
    const hold = await first.authorize(holdReq("h-1"));
    if (hold.status !== "approved") throw new Error("no hold");
    const cap = { idempotencyKey: "cap-1", authorizationId: hold.authorizationId, amount: 700 };
    const c1 = await first.capture(cap);
    first.close();
    opened.splice(opened.indexOf(first), 1);

    const second = open(file);
    expect(await second.authorize(holdReq("h-1"))).toEqual(hold);
    expect(await second.capture(cap)).toEqual(c1);
    expect(second.ledger().captures).toEqual([
      {
        captureId: (c1 as { captureId: string }).captureId,
        authorizationId: hold.authorizationId,
        paymentMethod: "tok_visa",
        amount: 700,
        refunded: 0,
      },
    ]);
    expect(second.ledger().holds.map((h) => [h.reference, h.status])).toEqual([
      ["st/session/h-1", "captured"],
    ]);
  });

  it("shares the server's SQLite file with its storage", async () => {
    const file = join(dir, "shared.sqlite");
    const storage = openSqliteStorage({ file });
    const g = open(file);
    await storage.events.append("st/session/x", [{ type: "CheckoutStarted", at: 1 }], {
      expectedVersion: 0,
      meta: { source: "workflow" },
      recordedAt: 1,
    });
    const hold = await g.authorize(holdReq("h-shared"));
    expect(hold.status).toBe("approved");
    expect((await storage.events.readStream("st/session/x")).events).toHaveLength(1);
    await storage.close();
  });

  it("a lost capture answer (…-timeout-once) is recovered by the same key, after a restart too", async () => {
    const file = join(dir, "timeout-once.sqlite");
    const g = open(file);
    const hold = await g.authorize(holdReq("h-t", "tok-timeout-once"));
    if (hold.status !== "approved") throw new Error("no hold");
    const cap = { idempotencyKey: "cap-t", authorizationId: hold.authorizationId, amount: 800 };
    expect((await g.capture(cap)).status).toBe("timeout");
    expect(await open(file).capture(cap)).toMatchObject({ status: "approved", amount: 800 });
    expect(g.ledger().captures).toHaveLength(1);
  });

  it("a …-slow-capture capture is in the ledger before its answer arrives", async () => {
    const g = open(join(dir, "slow.sqlite"));
    const hold = await g.authorize(holdReq("h-s", "tok-slow-capture"));
    if (hold.status !== "approved") throw new Error("no hold");
    const cap = { idempotencyKey: "cap-s", authorizationId: hold.authorizationId, amount: 500 };
    let answered = false;
    const pending = g.capture(cap).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, SLOW_ANSWER_MS / 4));
    expect(answered).toBe(false);
    expect(g.ledger().captures.map((c) => c.amount)).toEqual([500]);
    expect(await pending).toMatchObject({ status: "approved", amount: 500 });
    // the retry replays the answer, at once
    expect(await g.capture(cap)).toEqual(await pending);
  });
});
