import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { runPaymentGatewayContract } from "../../app/ports/contracts/payment-gateway.contract";
import { TEST_PG_URL, uniqueSchemaName } from "../postgres/test-schema";
import { PostgresSandboxGateway } from "./postgres-sandbox-gateway";
import { runSandboxExpiryCases } from "./sandbox-expiry.cases";

const schema = uniqueSchemaName("paysb");
const opened: PostgresSandboxGateway[] = [];
const open = () => {
  const g = new PostgresSandboxGateway({ connectionString: TEST_PG_URL, schema });
  opened.push(g);
  return g;
};

afterAll(async () => {
  for (const g of opened) await g.close();
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

runPaymentGatewayContract({
  newGateway: async () => {
    const c = new pg.Client({ connectionString: TEST_PG_URL });
    await c.connect();
    await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await c.end();
    return open();
  },
  tokens: { approve: "tok_visa", decline: "tok-decline", nsf: "tok-nsf", timeout: "tok-timeout" },
});

describe("PostgreSQL sandbox ledger", () => {
  runSandboxExpiryCases(async (now) => {
    const g = new PostgresSandboxGateway({ connectionString: TEST_PG_URL, schema, now });
    opened.push(g);
    return { gateway: g, holds: () => g.holds() };
  });
});

describe("PostgreSQL sandbox shared by processes", () => {
  it("two processes capturing with one key at the same moment move the money once", async () => {
    const [x, y] = [open(), open()];
    const hold = await x.authorize({
      idempotencyKey: "h-race",
      paymentMethod: "tok_visa",
      amount: 900,
      currency: "USD",
      reference: "st/session/race",
    });
    if (hold.status !== "approved") throw new Error("no hold");
    const req = { idempotencyKey: "cap-race", authorizationId: hold.authorizationId, amount: 700 };
    const [r1, r2] = await Promise.all([x.capture(req), y.capture(req)]);
    expect(r1).toEqual(r2);
    expect(r1.status).toBe("approved");
    const caps = (await x.captures()).filter((c) => c.reference === "st/session/race");
    expect(caps).toHaveLength(1);
    expect(caps[0].amount).toBe(700);
  });
});
