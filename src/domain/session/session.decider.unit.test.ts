import { describe, expect, it } from "vitest";
import type { BasketEvent } from "../basket/basket.events";
import { added } from "../basket/basket.fixtures";
import { foldBasket } from "../basket/basket.state";
import { sequentialIds } from "../shared/ids";
import type { SessionCommand } from "./session.commands";
import { decideSession } from "./session.decider";

/** given events, when a command, then events (or an error code) */
function when(given: BasketEvent[], command: SessionCommand) {
  const ids = sequentialIds();
  return decideSession(command, foldBasket(given), { ids });
}
function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

/** a line's own evidence (the fixtures' `added`: a summary only) as a `lines` case copies it */
const fromLine = (lineId: string) => ({
  lineIds: [lineId],
  vision: [],
  scans: [],
  plu: [],
  answers: [],
  hypotheses: [],
  summary: "test",
  from: "line" as const,
});

const opened: BasketEvent = { type: "SessionOpened", at: 1, session: "s-1", store: "st-1", cart: "c-1" };
const shopping: BasketEvent[] = [
  opened,
  added("line_1", "cola", { qty: 2 }, 10),
  added("line_2", "chips", { qty: 1 }, 20, "unsure"),
];
const paid: BasketEvent[] = [
  opened,
  added("line_1", "cola", { qty: 2 }, 10),
  { type: "CheckoutStarted", at: 100 },
  { type: "PaymentAuthorized", at: 101, amount: 258, currency: "USD", authorizationId: "auth-1" },
  { type: "PaymentCaptured", at: 102, amount: 258, currency: "USD", captureId: "cap-1" },
];

/** a session whose check-in hold (auth-in, 10,000) was recorded while shopping */
const checkInHold = (): BasketEvent[] => [
  opened,
  ...when([opened], {
    type: "RecordAuthorization",
    at: 5,
    amount: 10_000,
    currency: "USD",
    authorizationId: "auth-in",
  }),
];

/** that session at the exit (StartCheckout at 20), the check-in hold still live */
const exitingWithCheckInHold = (): BasketEvent[] => {
  const checkedIn = checkInHold();
  return [...checkedIn, ...when(checkedIn, { type: "StartCheckout", at: 20 })];
};

/** the check-in hold's release that timed out */
const checkInReleaseFailed = {
  authorizationId: "auth-in",
  amount: 10_000,
  reason: "release timeout: no answer",
};

describe("session decider", () => {
  it("opens a session with a generated id when the cart gives none", () => {
    expect(when([], { type: "OpenSession", at: 5, store: "st-1", cart: "c-9" })).toEqual([
      { type: "SessionOpened", at: 5, session: "sess_0001", store: "st-1", cart: "c-9" },
    ]);
  });

  it("at exit, closes open prompts and sends unsure lines to review", () => {
    const given: BasketEvent[] = [
      ...shopping,
      {
        type: "PromptRaised",
        at: 21,
        prompt: { id: "p-1", kind: "choose", text: "Which?", lineIds: ["line_2"] },
      },
    ];
    expect(when(given, { type: "StartCheckout", at: 100 })).toEqual([
      { type: "CheckoutStarted", at: 100 },
      { type: "PromptClosed", at: 100, promptId: "p-1", outcome: "expired" },
      {
        type: "ReviewRequested",
        at: 100,
        caseId: "case_0001",
        kind: "uncertain",
        lineIds: ["line_2"],
        reason: "1 line(s) still unsure at exit",
        evidence: { v: 1, kind: "lines", cause: "unsure-at-exit", changes: [fromLine("line_2")] },
      },
      { type: "SessionHeldForReview", at: 100, caseIds: ["case_0001"] },
    ]);
  });

  it("a sure basket goes straight to exiting, then authorization and capture", () => {
    const events = [opened, added("line_1", "cola", { qty: 1 })];
    expect(when(events, { type: "StartCheckout", at: 100 })).toEqual([{ type: "CheckoutStarted", at: 100 }]);
    const s = foldBasket(paid);
    expect(s.phase).toBe("paid");
    expect(s.payment).toMatchObject({ authorized: 258, captured: 258, refunded: 0 });
  });

  it("a shopper correction while shopping becomes a LineRevised by the shopper", () => {
    expect(
      when(shopping, {
        type: "CorrectLine",
        at: 30,
        lineId: "line_2",
        sku: "pretzels",
        qty: 1,
        by: "shopper",
      }),
    ).toEqual([
      {
        type: "LineRevised",
        at: 30,
        lineId: "line_2",
        sku: "pretzels",
        qty: 1,
        status: "ok",
        confidence: 1,
        by: "shopper",
      },
    ]);
  });

  it("a shopper cannot correct lines after leaving; a reviewer can during review", () => {
    const review = [...shopping, ...when(shopping, { type: "StartCheckout", at: 100 })];
    expect(
      codeOf(() =>
        when(review, { type: "CorrectLine", at: 110, lineId: "line_2", sku: "x", qty: 1, by: "shopper" }),
      ),
    ).toBe("ILLEGAL_TRANSITION");
    expect(
      when(review, {
        type: "ResolveReview",
        at: 120,
        caseId: "case_0001",
        decision: "correct",
        by: "rev-1",
        correction: { sku: "pretzels", qty: 1 },
      }),
    ).toEqual([
      { type: "ReviewResolved", at: 120, caseId: "case_0001", decision: "correct", by: "rev-1" },
      {
        type: "LineRevised",
        at: 120,
        lineId: "line_2",
        sku: "pretzels",
        qty: 1,
        status: "ok",
        confidence: 1,
        by: "reviewer",
      },
    ]);
  });

  it("a case with no line (weight left unexplained): the reviewer names what it was, and it becomes a line", () => {
    const reason = "unanswered choose prompt: 1413 g left unexplained";
    const held: BasketEvent[] = [
      opened,
      added("line_1", "cola", { qty: 1 }, 10),
      { type: "CheckoutStarted", at: 100 },
      { type: "ReviewRequested", at: 100, caseId: "case_ll", kind: "uncertain", lineIds: [], reason },
      { type: "SessionHeldForReview", at: 100, caseIds: ["case_ll"] },
    ];
    const correct = (correction: { lineId?: string; sku: string; qty?: number; grams?: number }) =>
      when(held, {
        type: "ResolveReview",
        at: 120,
        caseId: "case_ll",
        decision: "correct",
        by: "rev-1",
        note: "a 6-pack of cola on the video",
        correction,
      });
    // before: refused with UNKNOWN_LINE (the case had no line to revise)
    const events = correct({ sku: "cola-6", qty: 1 });
    expect(events).toEqual([
      {
        type: "ReviewResolved",
        at: 120,
        caseId: "case_ll",
        decision: "correct",
        by: "rev-1",
        note: "a 6-pack of cola on the video",
      },
      {
        type: "ItemAdded",
        at: 120,
        lineId: "line_0001",
        sku: "cola-6",
        qty: 1,
        confidence: 0,
        status: "unsure",
        evidence: {
          vision: [],
          scans: [],
          plu: [],
          answers: [],
          hypotheses: [],
          summary: `${reason} — named by the reviewer (case case_ll)`,
        },
      },
      {
        type: "LineRevised",
        at: 120,
        lineId: "line_0001",
        sku: "cola-6",
        qty: 1,
        status: "ok",
        confidence: 1,
        by: "reviewer",
        note: "a 6-pack of cola on the video",
      },
    ]);
    const after = foldBasket([...held, ...events]);
    expect(after.cases.size).toBe(0);
    expect(after.netQty.get("cola-6")).toBe(1);
    expect(after.lines.get("line_0001")).toMatchObject({ status: "ok", confidence: 1, voided: false });
    expect(after.lines.get("line_0001")?.history.map((h) => h.by)).toEqual(["fusion", "reviewer"]);
    // weighed goods by grams too; exactly one of qty or grams; no line id to point at
    expect(correct({ sku: "apples", grams: 1413 })[1]).toMatchObject({ type: "ItemAdded", grams: 1413 });
    expect(codeOf(() => correct({ sku: "cola-6" }))).toBe("INVALID_QUANTITY");
    expect(codeOf(() => correct({ sku: "cola-6", qty: 0 }))).toBe("INVALID_QUANTITY");
    expect(codeOf(() => correct({ lineId: "line_1", sku: "cola-6", qty: 1 }))).toBe("UNKNOWN_LINE");
    // confirm and void still add nothing
    expect(
      when(held, { type: "ResolveReview", at: 120, caseId: "case_ll", decision: "void", by: "rev-1" }),
    ).toHaveLength(1);
  });

  it("capture waits for the review; confirm marks the lines sure", () => {
    const review = [...shopping, ...when(shopping, { type: "StartCheckout", at: 100 })];
    expect(
      codeOf(() =>
        when(review, { type: "RecordCapture", at: 110, amount: 1, currency: "USD", captureId: "c" }),
      ),
    ).toBe("REVIEW_PENDING");
    const resolved = [
      ...review,
      ...when(review, {
        type: "ResolveReview",
        at: 120,
        caseId: "case_0001",
        decision: "confirm",
        by: "rev-1",
      }),
    ];
    expect(resolved.at(-1)).toMatchObject({
      type: "LineRevised",
      lineId: "line_2",
      sku: "chips",
      qty: 1,
      status: "ok",
    });
    expect(
      when(resolved, { type: "RecordCapture", at: 130, amount: 557, currency: "USD", captureId: "cap-1" }),
    ).toEqual([{ type: "PaymentCaptured", at: 130, amount: 557, currency: "USD", captureId: "cap-1" }]);
  });

  it("a dispute after payment opens a dispute case; upholding it voids the line; then a partial refund", () => {
    const disputed = [
      ...paid,
      ...when(paid, { type: "DisputeLine", at: 200, lineId: "line_1", reason: "I only took one" }),
    ];
    expect(disputed.slice(-2)).toEqual([
      { type: "LineDisputed", at: 200, lineId: "line_1", caseId: "case_0001", reason: "I only took one" },
      {
        type: "ReviewRequested",
        at: 200,
        caseId: "case_0001",
        kind: "dispute",
        lineIds: ["line_1"],
        reason: "I only took one",
        evidence: { v: 1, kind: "lines", cause: "dispute", changes: [fromLine("line_1")] },
      },
    ]);
    expect(
      codeOf(() => when(disputed, { type: "DisputeLine", at: 201, lineId: "line_1", reason: "again" })),
    ).toBe("ALREADY_DISPUTED");
    const upheld = [
      ...disputed,
      ...when(disputed, {
        type: "ResolveReview",
        at: 300,
        caseId: "case_0001",
        decision: "uphold",
        by: "rev-2",
        correction: { sku: "cola", qty: 1 },
      }),
    ];
    expect(upheld.at(-1)).toMatchObject({ type: "LineRevised", lineId: "line_1", qty: 1, by: "reviewer" });
    const refund = when(upheld, {
      type: "Refund",
      at: 310,
      amount: 129,
      currency: "USD",
      reason: "dispute upheld",
      lineId: "line_1",
    });
    expect(refund).toEqual([
      {
        type: "PaymentRefunded",
        at: 310,
        amount: 129,
        currency: "USD",
        refundId: "rfnd_0001",
        lineId: "line_1",
        reason: "dispute upheld",
      },
    ]);
    const s = foldBasket([...upheld, ...refund]);
    expect(s.phase).toBe("partially-refunded");
    expect(
      codeOf(() =>
        decideSession({ type: "Refund", at: 320, amount: 200, currency: "USD", reason: "x" }, s, {
          ids: sequentialIds(),
        }),
      ),
    ).toBe("REFUND_EXCEEDS_CAPTURE");
    const closed = decideSession({ type: "Close", at: 400 }, s, { ids: sequentialIds() });
    expect(closed).toEqual([{ type: "SessionClosed", at: 400 }]);
  });

  it("a failed payment is a problem; a retry can authorize again", () => {
    const exiting = [
      opened,
      added("line_1", "cola", { qty: 1 }),
      { type: "CheckoutStarted", at: 100 } as BasketEvent,
    ];
    const failed = [
      ...exiting,
      ...when(exiting, { type: "RecordPaymentFailure", at: 101, reason: "card declined" }),
    ];
    const s = foldBasket(failed);
    expect(s.phase).toBe("problem");
    expect(s.payment.lastFailure).toBe("card declined");
    expect(
      when(failed, {
        type: "RecordAuthorization",
        at: 150,
        amount: 129,
        currency: "USD",
        authorizationId: "a2",
      })[0].type,
    ).toBe("PaymentAuthorized");
  });

  it("cancelling an authorized session releases the hold first", () => {
    const charging: BasketEvent[] = [
      opened,
      { type: "CheckoutStarted", at: 100 },
      { type: "PaymentAuthorized", at: 101, amount: 0, currency: "USD", authorizationId: "auth-1" },
    ];
    // a zero authorization holds nothing: nothing to release
    expect(when(charging, { type: "Cancel", at: 102, reason: "shopper left" })).toEqual([
      { type: "SessionCancelled", at: 102, reason: "shopper left" },
    ]);
    const held = [...charging.slice(0, 2), { ...charging[2], amount: 500 } as BasketEvent];
    expect(when(held, { type: "Cancel", at: 102, reason: "store closed" })).toEqual([
      { type: "HoldReleased", at: 102, authorizationId: "auth-1" },
      { type: "SessionCancelled", at: 102, reason: "store closed" },
    ]);
  });

  it("records the check-in hold while shopping; a cancel releases it", () => {
    const checkedIn = checkInHold();
    expect(checkedIn[1]).toEqual({
      type: "PaymentAuthorized",
      at: 5,
      amount: 10_000,
      currency: "USD",
      authorizationId: "auth-in",
    });
    const s = foldBasket(checkedIn);
    expect(s.phase).toBe("shopping");
    expect(s.payment).toMatchObject({ authorizationId: "auth-in", authorized: 10_000 });
    expect(when(checkedIn, { type: "Cancel", at: 9, reason: "cart abandoned" })).toEqual([
      { type: "HoldReleased", at: 9, authorizationId: "auth-in" },
      { type: "SessionCancelled", at: 9, reason: "cart abandoned" },
    ]);
  });

  it("a hold taken at exit because the total outgrew the check-in hold records that hold's release first", () => {
    const exiting = exitingWithCheckInHold();
    const events = when(exiting, {
      type: "RecordAuthorization",
      at: 21,
      amount: 15_000,
      currency: "USD",
      authorizationId: "auth-exit",
      released: "auth-in",
    });
    expect(events).toEqual([
      { type: "HoldReleased", at: 21, authorizationId: "auth-in" },
      { type: "PaymentAuthorized", at: 21, amount: 15_000, currency: "USD", authorizationId: "auth-exit" },
    ]);
    const s = foldBasket([...exiting, ...events]);
    expect(s.phase).toBe("charging");
    expect(s.payment).toMatchObject({ authorizationId: "auth-exit", authorized: 15_000 });
    // a release of some other hold is not this stream's: nothing to record for it
    expect(
      when(exiting, {
        type: "RecordAuthorization",
        at: 21,
        amount: 15_000,
        currency: "USD",
        authorizationId: "auth-exit",
        released: "auth-other",
      }).map((e) => e.type),
    ).toEqual(["PaymentAuthorized"]);
  });

  it("a replaced check-in hold whose release failed is owed one, whatever the phase, until released once (0112)", () => {
    const exiting = exitingWithCheckInHold();
    const events = when(exiting, {
      type: "RecordAuthorization",
      at: 21,
      amount: 15_000,
      currency: "USD",
      authorizationId: "auth-exit",
      releaseFailed: checkInReleaseFailed,
    });
    expect(events).toEqual([
      { type: "HoldReleaseFailed", at: 21, ...checkInReleaseFailed },
      { type: "PaymentAuthorized", at: 21, amount: 15_000, currency: "USD", authorizationId: "auth-exit" },
    ]);
    const charging = [...exiting, ...events];
    expect(foldBasket(charging).payment).toMatchObject({
      authorizationId: "auth-exit",
      authorized: 15_000,
      holdsToRelease: [{ ...checkInReleaseFailed, failedAt: 21 }],
    });
    // paid, then closed: the owed release is still on record and still settles
    const closed: BasketEvent[] = [
      ...charging,
      { type: "PaymentCaptured", at: 22, amount: 15_000, currency: "USD", captureId: "cap-1" },
      { type: "SessionClosed", at: 23 },
    ];
    expect(foldBasket(closed).payment.holdsToRelease).toHaveLength(1);
    const release = { type: "ReleasePendingHold", at: 30, authorizationId: "auth-in" } as const;
    const released = when(closed, release);
    expect(released).toEqual([{ type: "PendingHoldReleased", at: 30, authorizationId: "auth-in" }]);
    const after = foldBasket([...closed, ...released]);
    expect(after.phase).toBe("closed");
    expect(after.payment.holdsToRelease).toBeUndefined();
    expect(when([...closed, ...released], release)).toEqual([]);
    // a second failure of the same hold is not recorded twice
    expect(when(charging, { type: "RecordReleaseFailure", at: 24, holds: [checkInReleaseFailed] })).toEqual(
      [],
    );
    // the recorded live hold is not owed: the stream shows it held already (0107 releases it)
    expect(when(exiting, { type: "RecordReleaseFailure", at: 24, holds: [checkInReleaseFailed] })).toEqual(
      [],
    );
  });

  it("a failure that ends the hold records its release with it; a hold left in problem is released later, once", () => {
    const exiting = exitingWithCheckInHold();
    const failed = when(exiting, {
      type: "RecordPaymentFailure",
      at: 21,
      reason: "capture declined: the card was declined",
      released: "auth-in",
    });
    expect(failed).toEqual([
      { type: "PaymentFailed", at: 21, reason: "capture declined: the card was declined" },
      { type: "HoldReleased", at: 21, authorizationId: "auth-in" },
    ]);
    const s = foldBasket([...exiting, ...failed]);
    expect(s.phase).toBe("problem");
    expect(s.payment).toMatchObject({ authorizationId: "auth-in", authorized: 0 });
    // a release of another hold is not this stream's to record
    expect(
      when(exiting, { type: "RecordPaymentFailure", at: 21, reason: "x", released: "auth-other" }).map(
        (e) => e.type,
      ),
    ).toEqual(["PaymentFailed"]);
    // a session left in problem with its hold open (before 0107): released later, and only once
    const leftOpen = [...exiting, ...when(exiting, { type: "RecordPaymentFailure", at: 21, reason: "x" })];
    const release = { type: "ReleaseHold", at: 30, authorizationId: "auth-in" } as const;
    const released = when(leftOpen, release);
    expect(released).toEqual([{ type: "HoldReleased", at: 30, authorizationId: "auth-in" }]);
    expect(foldBasket([...leftOpen, ...released]).phase).toBe("problem");
    expect(when([...leftOpen, ...released], release)).toEqual([]);
    // only a session in problem: a review keeps its hold until the reviewer decides
    expect(codeOf(() => when(exiting, release))).toBe("ILLEGAL_TRANSITION");
  });

  it("a failure that ends the live hold and cannot release it records it owed; released, both are settled (0120)", () => {
    const exiting = exitingWithCheckInHold();
    const failed = when(exiting, {
      type: "RecordPaymentFailure",
      at: 21,
      reason: "capture declined: the card was declined",
      releaseFailed: [checkInReleaseFailed],
    });
    expect(failed).toEqual([
      { type: "PaymentFailed", at: 21, reason: "capture declined: the card was declined" },
      { type: "HoldReleaseFailed", at: 21, ...checkInReleaseFailed },
    ]);
    const problem = [...exiting, ...failed];
    expect(foldBasket(problem).payment).toMatchObject({
      authorizationId: "auth-in",
      authorized: 10_000,
      holdsToRelease: [{ ...checkInReleaseFailed, failedAt: 21 }],
    });
    // a retry's failed release of the same hold, in problem, is not recorded twice
    expect(when(problem, { type: "RecordReleaseFailure", at: 22, holds: [checkInReleaseFailed] })).toEqual(
      [],
    );
    const settled = [
      ...when(problem, { type: "ReleasePendingHold", at: 30, authorizationId: "auth-in" }),
      ...when(problem, { type: "ReleaseHold", at: 30, authorizationId: "auth-in" }),
    ];
    const after = foldBasket([...problem, ...settled]);
    expect(after.phase).toBe("problem");
    expect(after.payment.authorized).toBe(0);
    expect(after.payment.holdsToRelease).toBeUndefined();
    // a live hold left off the record in problem (older streams) can be recorded owed later
    const leftOpen = [...exiting, ...when(exiting, { type: "RecordPaymentFailure", at: 21, reason: "x" })];
    expect(when(leftOpen, { type: "RecordReleaseFailure", at: 40, holds: [checkInReleaseFailed] })).toEqual([
      { type: "HoldReleaseFailed", at: 40, ...checkInReleaseFailed },
    ]);
  });

  it("a dispute carries the change fusion recorded for the line with an earlier case, naming that case", () => {
    // line_1 and line_2 decided by one change, sent to review by fusion with its record, confirmed
    const change = {
      lineIds: ["line_1", "line_2"],
      change: { startT: 8, endT: 10, before: 0, after: 700, delta: 700, sd: 3 },
      vision: [{ id: "s-1-e3", t: 9, dir: "in" as const, candidates: [{ sku: "cola", p: 0.9 }] }],
      scans: [],
      plu: [],
      answers: [],
      hypotheses: [{ label: "2× cola", posterior: 0.6 }],
      summary: "2 × cola or 1 × big cola",
    };
    const recorded: BasketEvent[] = [
      opened,
      added("line_1", "cola", { qty: 1 }, 10, "unsure"),
      added("line_2", "cola", { qty: 1 }, 10, "unsure"),
      {
        type: "ReviewRequested",
        at: 50,
        caseId: "case_f",
        kind: "uncertain",
        lineIds: ["line_1", "line_2"],
        reason: "look-alikes",
        evidence: { v: 1, cause: "prompt-expired", changes: [change] },
      },
      { type: "ReviewResolved", at: 60, caseId: "case_f", decision: "confirm", by: "rev-1" },
      { type: "CheckoutStarted", at: 100 },
      { type: "PaymentAuthorized", at: 101, amount: 258, currency: "USD", authorizationId: "auth-1" },
      { type: "PaymentCaptured", at: 102, amount: 258, currency: "USD", captureId: "cap-1" },
    ];
    const [, opened2] = when(recorded, {
      type: "DisputeLine",
      at: 200,
      lineId: "line_2",
      reason: "one only",
    });
    expect(opened2).toMatchObject({ type: "ReviewRequested", kind: "dispute", lineIds: ["line_2"] });
    expect(opened2.type === "ReviewRequested" && opened2.evidence).toEqual({
      v: 1,
      kind: "lines",
      cause: "dispute",
      changes: [{ ...change, lineIds: ["line_2"], from: { caseId: "case_f" } }],
    });
  });

  it("an abandoned basket goes to review whole, prompts expired, hold kept; an empty one is cancelled", () => {
    const reason = "cart went silent: no basket activity for 30 min";
    const given: BasketEvent[] = [
      ...checkInHold(),
      added("line_1", "cola", { qty: 2 }, 10),
      added("line_2", "chips", { qty: 1 }, 20, "unsure"),
      {
        type: "PromptRaised",
        at: 21,
        prompt: { id: "p-1", kind: "choose", text: "Which?", lineIds: ["line_2"] },
      },
    ];
    const events = when(given, { type: "AbandonSession", at: 1_800_021, reason });
    expect(events).toEqual([
      { type: "CheckoutStarted", at: 1_800_021 },
      { type: "PromptClosed", at: 1_800_021, promptId: "p-1", outcome: "expired" },
      {
        type: "ReviewRequested",
        at: 1_800_021,
        caseId: "case_0001",
        kind: "uncertain",
        lineIds: ["line_1", "line_2"],
        reason,
        evidence: {
          v: 1,
          kind: "lines",
          cause: "abandoned",
          changes: [fromLine("line_1"), fromLine("line_2")],
        },
      },
      { type: "SessionHeldForReview", at: 1_800_021, caseIds: ["case_0001"] },
    ]);
    const held = foldBasket([...given, ...events]);
    expect(held.phase).toBe("review");
    expect(held.payment).toMatchObject({ authorizationId: "auth-in", authorized: 10_000 });

    // a cola in and out again: nothing to charge, nothing to decide
    const empty: BasketEvent[] = [
      ...checkInHold(),
      added("line_1", "cola", { qty: 1 }, 10),
      { type: "LineVoided", at: 11, lineId: "line_1", by: "reviewer", reason: "test" },
    ];
    expect(when(empty, { type: "AbandonSession", at: 99, reason, released: "auth-in" })).toEqual([
      { type: "HoldReleased", at: 99, authorizationId: "auth-in" },
      { type: "SessionCancelled", at: 99, reason },
    ]);
    // the release is recorded only when the provider answered it
    expect(when(empty, { type: "AbandonSession", at: 99, reason })).toEqual([
      { type: "SessionCancelled", at: 99, reason },
    ]);
    expect(codeOf(() => when(paid, { type: "AbandonSession", at: 99, reason }))).toBe("ILLEGAL_TRANSITION");
  });

  it("illegal lifecycle commands are typed errors, never silent", () => {
    expect(codeOf(() => when([], { type: "StartCheckout", at: 1 }))).toBe("ILLEGAL_TRANSITION");
    expect(codeOf(() => when(paid, { type: "Cancel", at: 1, reason: "x" }))).toBe("ILLEGAL_TRANSITION");
    expect(codeOf(() => when(paid, { type: "OpenSession", at: 1, store: "s" }))).toBe("ILLEGAL_TRANSITION");
    expect(
      codeOf(() =>
        when(shopping, { type: "CorrectLine", at: 1, lineId: "nope", sku: "x", qty: 1, by: "shopper" }),
      ),
    ).toBe("UNKNOWN_LINE");
    expect(
      codeOf(() =>
        when(shopping, { type: "CorrectLine", at: 1, lineId: "line_1", sku: "x", qty: 0, by: "shopper" }),
      ),
    ).toBe("INVALID_QUANTITY");
  });
});
