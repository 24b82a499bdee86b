import { describe, expect, it } from "vitest";
import { screenStateSchema } from "../../adapters/schemas/cart-protocol.schema";
import { type BasketEvent, summaryOnly } from "../../domain/basket/basket.events";
import { foldBasket } from "../../domain/basket/basket.state";
import { indexCatalog } from "../../domain/catalog/product";
import { BANANAS } from "../../domain/pricing/pricing.fixtures";
import { DEFAULT_STORE_SETTINGS } from "../../domain/store/store-settings";
import type { SessionSnapshot } from "./session-streams";
import { buildCases, buildReceipt, buildScreen } from "./views";

const catalog = indexCatalog("USD", [
  {
    sku: "cola-330",
    name: "Cola 330 ml",
    soldBy: "unit",
    price: 129,
    taxClass: "grocery",
    ageRestricted: false,
    lookalikes: [],
  },
  BANANAS,
]);
const ctx = { catalog, settings: DEFAULT_STORE_SETTINGS };
const ev = summaryOnly;

function snap(events: BasketEvent[], lastPosition = 7): SessionSnapshot {
  return {
    store: "st",
    session: "s1",
    streamId: "st/session/s1",
    version: events.length,
    lastPosition,
    state: foldBasket(events),
    cartEvents: events.length,
  };
}

const shopping: BasketEvent[] = [
  { type: "SessionOpened", at: 1, session: "s1", store: "st", cart: "c1" },
  {
    type: "ItemAdded",
    at: 2,
    lineId: "l1",
    sku: "cola-330",
    qty: 1,
    confidence: 0.99,
    status: "ok",
    evidence: ev("cola seen, 349 g"),
  },
  {
    type: "ItemAdded",
    at: 3,
    lineId: "l2",
    sku: "cola-330",
    qty: 1,
    confidence: 0.99,
    status: "ok",
    evidence: ev("cola again"),
  },
  {
    type: "ItemAdded",
    at: 4,
    lineId: "l3",
    sku: "banana",
    grams: 612.4,
    confidence: 0.7,
    status: "unsure",
    evidence: ev("PLU 4011, 612 g"),
  },
  {
    type: "PromptRaised",
    at: 5,
    prompt: { id: "p1", kind: "confirm-removal", text: "Did you take something out?", lineIds: ["l3"] },
  },
];

describe("views", () => {
  it("builds an exchange-v1 §5 cart screen", () => {
    const screen = buildScreen(snap(shopping), ctx);
    expect(screenStateSchema.parse(screen)).toEqual(screen);
    expect(screen).toMatchObject({ session: "s1", state: "shopping", currency: "USD", seq: 14 });
    expect(screen.lines).toEqual([
      expect.objectContaining({ sku: "banana", grams: 612.4, status: "unsure" }),
      expect.objectContaining({ sku: "cola-330", qty: 2, status: "ok" }),
    ]);
    expect(screen.total).toBe(screen.lines.reduce((s, l) => s + l.amount, 0));
    expect(screen.prompt).toEqual({ id: "p1", kind: "confirm-removal", text: "Did you take something out?" });
  });

  it("shows problem while shopping when the check-in hold failed, with a newer seq", () => {
    const ok = buildScreen(snap(shopping), ctx);
    const problem = buildScreen(snap(shopping), ctx, true);
    expect(problem.state).toBe("problem");
    expect(problem.seq).toBeGreaterThan(ok.seq);
  });

  it("is idle without a session", () => {
    const idle = buildScreen(undefined, ctx);
    expect(screenStateSchema.parse(idle)).toEqual(idle);
    expect(idle.state).toBe("idle");
  });

  it("builds a receipt whose total is the sum of its lines, with evidence per line", () => {
    const r = buildReceipt(snap([...shopping, { type: "CheckoutStarted", at: 6 }]), ctx, 6)!;
    expect(r.total).toBe(
      r.lines.reduce((s, l) => s + l.total, 0) + r.adjustments.reduce((s, a) => s + a.amount, 0),
    );
    const cola = r.lines.find((l) => l.sku === "cola-330")!;
    expect(cola).toMatchObject({ unitPrice: 129, qty: 2, amount: 258, lineId: "l1", lineIds: ["l1", "l2"] });
    expect(cola.evidence).toBe("cola seen, 349 g cola again");
    expect(r.lines.find((l) => l.sku === "banana")).toMatchObject({
      pricePerKg: 219,
      grams: 612.4,
      status: "unsure",
    });
    expect(r.prompts).toBe(1);
  });

  it("lists open and resolved cases with their lines", () => {
    const events: BasketEvent[] = [
      ...shopping,
      { type: "ReviewRequested", at: 6, caseId: "k1", kind: "uncertain", lineIds: ["l3"], reason: "unsure" },
      { type: "ReviewRequested", at: 7, caseId: "k2", kind: "uncertain", lineIds: ["l1"], reason: "x" },
      { type: "ReviewResolved", at: 8, caseId: "k2", decision: "confirm", by: "rev" },
    ];
    const cases = buildCases(snap(events));
    expect(cases.map((c) => [c.caseId, c.status, c.decision])).toEqual([
      ["k1", "open", undefined],
      ["k2", "resolved", "confirm"],
    ]);
    expect(cases[0].lines).toEqual([
      { lineId: "l3", sku: "banana", grams: 612.4, status: "unsure", evidence: ev("PLU 4011, 612 g") },
    ]);
  });
});
