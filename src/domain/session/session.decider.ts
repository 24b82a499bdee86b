/**
 * decideSession(command, state) → events: the rules of a session's lifecycle and of human
 * changes to its lines. Pure; ids come from the injected generator. A command the current
 * phase does not allow throws ILLEGAL_TRANSITION; other broken rules throw their own stable
 * codes (UNKNOWN_LINE, UNKNOWN_CASE, INVALID_QUANTITY, REVIEW_PENDING, REFUND_EXCEEDS_CAPTURE,
 * CURRENCY_MISMATCH, ALREADY_DISPUTED). The events are folded once through evolveBasket before
 * they are returned, so a decision can never produce a stream the session table refuses.
 */
import { type BasketEvent, type LineRevised, summaryOnly } from "../basket/basket.events";
import { type BasketState, basketContents, foldBasket } from "../basket/basket.state";
import { assertNever, DomainError } from "../shared/errors";
import type { IdGenerator } from "../shared/ids";
import { linesEvidence } from "./lines-evidence";
import type { FailedRelease, SessionCommand } from "./session.commands";
import type { SessionPhase } from "./session.transitions";

export interface SessionDeps {
  ids: IdGenerator;
}

function requirePhase(state: BasketState, allowed: readonly SessionPhase[], what: string): void {
  if (!allowed.includes(state.phase)) {
    throw new DomainError(
      "ILLEGAL_TRANSITION",
      `${what} is not allowed while the session is ${state.phase}`,
      {
        from: state.phase,
        command: what,
      },
    );
  }
}

function requireLine(state: BasketState, lineId: string) {
  const line = state.lines.get(lineId);
  if (!line) throw new DomainError("UNKNOWN_LINE", `no line "${lineId}" in this basket`, { lineId });
  return line;
}

function checkAmount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new DomainError("INVALID_AMOUNT", `${what} must be an integer ≥ 0 in minor units, got ${n}`);
  }
}

function quantity(q: { qty?: number; grams?: number }): { qty?: number; grams?: number } {
  if ((q.qty === undefined) === (q.grams === undefined)) {
    throw new DomainError("INVALID_QUANTITY", "give exactly one of qty or grams");
  }
  if (q.qty !== undefined && (!Number.isInteger(q.qty) || q.qty < 1)) {
    throw new DomainError("INVALID_QUANTITY", `qty must be an integer ≥ 1, got ${q.qty}`);
  }
  if (q.grams !== undefined && (!Number.isFinite(q.grams) || q.grams <= 0)) {
    throw new DomainError("INVALID_QUANTITY", `grams must be > 0, got ${q.grams}`);
  }
  return q.qty !== undefined ? { qty: q.qty } : { grams: q.grams };
}

/** `authorizationId` is the stream's recorded hold, holding money, nothing captured from it. */
export function isLiveHold(state: BasketState, authorizationId: string): boolean {
  const p = state.payment;
  return p.authorizationId === authorizationId && p.authorized > 0 && p.captured === 0;
}

/**
 * Nothing to charge and nothing to decide: no item or weighed goods in the basket, no line still
 * unsure. An abandoned session in this state is cancelled rather than reviewed (decision 0108).
 */
export function isEmptyBasket(state: BasketState): boolean {
  const c = basketContents(state);
  return c.items.length === 0 && c.weighed.length === 0 && c.unsureLineIds.length === 0;
}

/**
 * HoldReleaseFailed for each hold not already owed a release (decision 0112). The recorded live
 * hold is left out unless `ended` (replaced by another hold, or ended by a payment failure: 0120):
 * while a session may still capture it, the stream shows it held and nothing is owed.
 */
function owedReleases(
  state: BasketState,
  holds: readonly FailedRelease[],
  at: number,
  ended?: string,
): BasketEvent[] {
  const owed = new Set((state.payment.holdsToRelease ?? []).map((h) => h.authorizationId));
  const out: BasketEvent[] = [];
  for (const h of holds) {
    if (owed.has(h.authorizationId)) continue;
    if (isLiveHold(state, h.authorizationId) && h.authorizationId !== ended) continue;
    owed.add(h.authorizationId);
    out.push({ type: "HoldReleaseFailed", at, ...h });
  }
  return out;
}

const EDITABLE: readonly SessionPhase[] = ["shopping", "exiting", "charging", "review", "problem"];
const LIVE: readonly SessionPhase[] = [
  "shopping",
  "exiting",
  "charging",
  "review",
  "problem",
  "paid",
  "partially-refunded",
  "refunded",
];

/** Every phase a session with a hold can be in: a hold owed a release outlives the session. */
const LIVE_OR_ENDED: readonly SessionPhase[] = [...LIVE, "closed", "cancelled"];

function decide(command: SessionCommand, state: BasketState, { ids }: SessionDeps): BasketEvent[] {
  const at = command.at;
  switch (command.type) {
    case "OpenSession":
      requirePhase(state, ["idle"], command.type);
      return [
        {
          type: "SessionOpened",
          at,
          session: command.session ?? ids("sess"),
          store: command.store,
          cart: command.cart,
          shopper: command.shopper,
          account: command.account,
        },
      ];
    case "StartCheckout": {
      requirePhase(state, ["shopping"], command.type);
      const events: BasketEvent[] = [{ type: "CheckoutStarted", at }];
      for (const p of state.prompts.values()) {
        events.push({ type: "PromptClosed", at, promptId: p.id, outcome: "expired" });
      }
      const unsure = state.lineOrder.filter((id) => {
        const l = state.lines.get(id)!;
        return !l.voided && l.status === "unsure";
      });
      if (unsure.length > 0) {
        const caseId = ids("case");
        events.push(
          {
            type: "ReviewRequested",
            at,
            caseId,
            kind: "uncertain",
            lineIds: unsure,
            reason: `${unsure.length} line(s) still unsure at exit`,
            evidence: linesEvidence(state, unsure, "unsure-at-exit"),
          },
          { type: "SessionHeldForReview", at, caseIds: [caseId] },
        );
      }
      return events;
    }
    case "RecordAuthorization":
      // shopping: the check-in hold; later phases: a hold taken at exit
      requirePhase(state, ["shopping", "exiting", "charging", "review", "problem"], command.type);
      checkAmount(command.amount, "amount");
      return [
        // the recorded hold was released at the provider: say so before the new one replaces it
        ...(command.released && isLiveHold(state, command.released)
          ? [{ type: "HoldReleased" as const, at, authorizationId: command.released }]
          : []),
        // the replaced hold whose release failed: owed one, so it is not lost when replaced (0112)
        ...(command.releaseFailed && command.releaseFailed.authorizationId !== command.authorizationId
          ? owedReleases(state, [command.releaseFailed], at, command.releaseFailed.authorizationId)
          : []),
        {
          type: "PaymentAuthorized",
          at,
          amount: command.amount,
          currency: command.currency,
          authorizationId: command.authorizationId,
        },
      ];
    case "RecordCapture":
      requirePhase(state, ["exiting", "charging", "review", "problem"], command.type);
      checkAmount(command.amount, "amount");
      if ([...state.cases.values()].some((c) => c.kind === "uncertain")) {
        throw new DomainError(
          "REVIEW_PENDING",
          "the basket is still under review; capture after it is resolved",
        );
      }
      return [
        {
          type: "PaymentCaptured",
          at,
          amount: command.amount,
          currency: command.currency,
          captureId: command.captureId,
        },
      ];
    case "RecordPaymentFailure":
      requirePhase(state, ["exiting", "charging", "review"], command.type);
      // the failure ends the hold: its release follows it in the same append (0107)
      return [
        { type: "PaymentFailed", at, reason: command.reason },
        ...(command.released && isLiveHold(state, command.released)
          ? [{ type: "HoldReleased" as const, at, authorizationId: command.released }]
          : []),
        // the failure ends the live hold too: a release the provider did not confirm is owed (0120)
        ...owedReleases(state, command.releaseFailed ?? [], at, state.payment.authorizationId),
      ];
    case "RecordReleaseFailure":
      requirePhase(state, LIVE_OR_ENDED, command.type);
      // in `problem` the live hold is ended (a retry takes a fresh hold): owed when not released (0120)
      return owedReleases(
        state,
        command.holds,
        at,
        state.phase === "problem" ? state.payment.authorizationId : undefined,
      );
    case "ReleasePendingHold":
      requirePhase(state, LIVE_OR_ENDED, command.type);
      return (state.payment.holdsToRelease ?? []).some((h) => h.authorizationId === command.authorizationId)
        ? [{ type: "PendingHoldReleased", at, authorizationId: command.authorizationId }]
        : [];
    case "ReleaseHold":
      requirePhase(state, ["problem"], command.type);
      return isLiveHold(state, command.authorizationId)
        ? [{ type: "HoldReleased", at, authorizationId: command.authorizationId }]
        : [];
    case "AbandonSession": {
      requirePhase(state, ["shopping"], command.type);
      if (isEmptyBasket(state)) {
        return [
          ...(command.released && isLiveHold(state, command.released)
            ? [{ type: "HoldReleased" as const, at, authorizationId: command.released }]
            : []),
          { type: "SessionCancelled", at, reason: command.reason },
        ];
      }
      // the basket as it stands goes to a person, whole: the hold stays for their decision
      const events: BasketEvent[] = [{ type: "CheckoutStarted", at }];
      for (const p of state.prompts.values()) {
        events.push({ type: "PromptClosed", at, promptId: p.id, outcome: "expired" });
      }
      const caseId = ids("case");
      const open = [...state.cases.values()].filter((c) => c.kind === "uncertain").map((c) => c.caseId);
      const lineIds = state.lineOrder.filter((id) => !state.lines.get(id)!.voided);
      events.push(
        {
          type: "ReviewRequested",
          at,
          caseId,
          kind: "uncertain",
          lineIds,
          reason: command.reason,
          evidence: linesEvidence(state, lineIds, "abandoned"),
        },
        { type: "SessionHeldForReview", at, caseIds: [...open, caseId] },
      );
      return events;
    }
    case "CorrectLine": {
      requirePhase(
        state,
        command.by === "shopper" ? ["shopping"] : EDITABLE,
        `${command.type} by ${command.by}`,
      );
      const line = requireLine(state, command.lineId);
      if (line.voided) throw new DomainError("UNKNOWN_LINE", `line "${command.lineId}" is voided`);
      return [
        {
          type: "LineRevised",
          at,
          lineId: command.lineId,
          sku: command.sku,
          ...quantity(command),
          status: "ok",
          confidence: 1,
          by: command.by,
          note: command.note,
        },
      ];
    }
    case "VoidLine": {
      requirePhase(
        state,
        command.by === "shopper" ? ["shopping"] : EDITABLE,
        `${command.type} by ${command.by}`,
      );
      const line = requireLine(state, command.lineId);
      if (line.voided) return [];
      return [{ type: "LineVoided", at, lineId: command.lineId, by: command.by, reason: command.reason }];
    }
    case "DisputeLine": {
      requirePhase(state, ["paid", "partially-refunded"], command.type);
      const line = requireLine(state, command.lineId);
      if (line.disputeCaseId) {
        throw new DomainError("ALREADY_DISPUTED", `line "${command.lineId}" is already disputed`, {
          caseId: line.disputeCaseId,
        });
      }
      const caseId = ids("case");
      return [
        { type: "LineDisputed", at, lineId: command.lineId, caseId, reason: command.reason },
        {
          type: "ReviewRequested",
          at,
          caseId,
          kind: "dispute",
          lineIds: [command.lineId],
          reason: command.reason,
          evidence: linesEvidence(state, [command.lineId], "dispute"),
        },
      ];
    }
    case "ResolveReview": {
      requirePhase(state, LIVE, command.type);
      const open = state.cases.get(command.caseId);
      if (!open) throw new DomainError("UNKNOWN_CASE", `no open review case "${command.caseId}"`);
      const events: BasketEvent[] = [
        {
          type: "ReviewResolved",
          at,
          caseId: command.caseId,
          decision: command.decision,
          by: command.by,
          note: command.note,
        },
      ];
      const revise = (lineId: string, sku: string, q: { qty?: number; grams?: number }): LineRevised => ({
        type: "LineRevised",
        at,
        lineId,
        sku,
        ...q,
        status: "ok",
        confidence: 1,
        by: "reviewer",
        note: command.note,
      });
      const d = command.decision;
      if (command.correction && d === "correct" && open.kind === "uncertain" && open.lineIds.length === 0) {
        // A case with no line: weight fusion could not explain ("1413 g left unexplained"), or a
        // load still changing at exit. The reviewer, watching the evidence, says what it was
        // ("1 × cola"): that becomes a line of its own. It enters as fusion's finding — the
        // unexplained weight, unsure — and is revised by the reviewer in the same decision, so
        // its history says who decided what it is, and the label records the reviewer's answer.
        if (command.correction.lineId !== undefined) {
          throw new DomainError(
            "UNKNOWN_LINE",
            `case ${command.caseId} has no line; leave lineId out to add the line the weight was`,
          );
        }
        const q = quantity(command.correction);
        const lineId = ids("line");
        events.push(
          {
            type: "ItemAdded",
            at,
            lineId,
            sku: command.correction.sku,
            ...q,
            confidence: 0,
            status: "unsure",
            evidence: summaryOnly(`${open.reason} — named by the reviewer (case ${command.caseId})`),
          },
          revise(lineId, command.correction.sku, q),
        );
      } else if (command.correction && (d === "correct" || d === "uphold")) {
        const lineId = command.correction.lineId ?? open.lineIds[0];
        if (!open.lineIds.includes(lineId)) {
          throw new DomainError("UNKNOWN_LINE", `line "${lineId}" is not part of case ${command.caseId}`);
        }
        events.push(revise(lineId, command.correction.sku, quantity(command.correction)));
      } else if (d === "correct") {
        throw new DomainError("INVALID_COMMAND", "a correct decision needs a correction {sku, qty | grams}");
      } else if (d === "void" || d === "uphold") {
        for (const id of open.lineIds) {
          if (!state.lines.get(id)?.voided) {
            events.push({ type: "LineVoided", at, lineId: id, by: "reviewer", reason: command.note ?? d });
          }
        }
      } else if (d === "confirm") {
        for (const id of open.lineIds) {
          const l = state.lines.get(id);
          if (l && !l.voided && l.status === "unsure") {
            events.push(revise(id, l.sku, l.grams !== undefined ? { grams: l.grams } : { qty: l.qty }));
          }
        }
      }
      return events;
    }
    case "Refund": {
      requirePhase(state, ["paid", "partially-refunded"], command.type);
      checkAmount(command.amount, "amount");
      if (command.amount === 0) throw new DomainError("INVALID_AMOUNT", "a refund must be more than 0");
      const left = state.payment.captured - state.payment.refunded;
      if (command.amount > left) {
        throw new DomainError(
          "REFUND_EXCEEDS_CAPTURE",
          `refund ${command.amount} is more than the ${left} left`,
        );
      }
      if (state.payment.currency && command.currency !== state.payment.currency) {
        throw new DomainError(
          "CURRENCY_MISMATCH",
          `paid in ${state.payment.currency}, refund in ${command.currency}`,
        );
      }
      if (command.lineId) requireLine(state, command.lineId);
      return [
        {
          type: "PaymentRefunded",
          at,
          amount: command.amount,
          currency: command.currency,
          refundId: ids("rfnd"),
          lineId: command.lineId,
          reason: command.reason,
        },
      ];
    }
    case "Close":
      requirePhase(state, ["paid", "partially-refunded", "refunded"], command.type);
      if (state.cases.size > 0) throw new DomainError("REVIEW_PENDING", "close the open review cases first");
      return [{ type: "SessionClosed", at }];
    case "Cancel": {
      requirePhase(state, ["shopping", "exiting", "charging", "review", "problem"], command.type);
      const events: BasketEvent[] = [];
      if (state.payment.authorizationId && isLiveHold(state, state.payment.authorizationId)) {
        events.push({ type: "HoldReleased", at, authorizationId: state.payment.authorizationId });
      }
      events.push({ type: "SessionCancelled", at, reason: command.reason });
      return events;
    }
    default:
      return assertNever(command, "session command");
  }
}

export function decideSession(command: SessionCommand, state: BasketState, deps: SessionDeps): BasketEvent[] {
  const events = decide(command, state, deps);
  foldBasket(events, state);
  return events;
}
