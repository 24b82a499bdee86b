/**
 * The basket as a fold over its events: `evolveBasket(state, event)` is pure and total over the
 * BasketEvent union. Lines are never edited in place: each keeps its evidence, confidence,
 * status and a history of who changed it. Net quantities per sku are kept incrementally (each
 * line's signed contribution is added or taken back as it changes), so the running total is
 * cheap at any point; nets are clamped at 0 when read (never charge a negative quantity).
 *
 * Item events for unknown or duplicate line ids leave the state as it is (the decider and
 * fusion reject those before they are written); a lifecycle event the session table does not
 * allow throws ILLEGAL_TRANSITION.
 */

import type { ReviewEvidence } from "../events/review-evidence";
import { nextPhase, type SessionPhase } from "../session/session.transitions";
import { assertNever } from "../shared/errors";
import type { Actor, BasketEvent, Evidence, LineStatus, Prompt } from "./basket.events";

export interface LineChange {
  at: number;
  by: Actor;
  change: "added" | "removed" | "revised" | "voided" | "disputed";
  sku?: string;
  qty?: number;
  grams?: number;
  status?: LineStatus;
  note?: string;
}

export interface BasketLine {
  lineId: string;
  /** add: puts goods in; remove: takes goods out (counts negative) */
  kind: "add" | "remove";
  sku: string;
  qty?: number;
  grams?: number;
  confidence: number;
  status: LineStatus;
  voided: boolean;
  /** open dispute case on this line, if any */
  disputeCaseId?: string;
  evidence: Evidence;
  history: LineChange[];
}

export interface ReviewCase {
  caseId: string;
  kind: "uncertain" | "dispute";
  lineIds: string[];
  reason: string;
  openedAt: number;
  /** the evidence record its event carried (`ReviewRequested.evidence`), when it had one */
  evidence?: ReviewEvidence;
}

export interface ResolvedCase extends ReviewCase {
  decision: "confirm" | "correct" | "void" | "uphold" | "reject";
  by: string;
  resolvedAt: number;
  note?: string;
}

export interface PaymentState {
  authorizationId?: string;
  authorized: number;
  captured: number;
  refunded: number;
  currency?: string;
  lastFailure?: string;
  /**
   * holds this session placed, will not capture, and whose release the provider has not yet
   * confirmed (HoldReleaseFailed, decision 0112); absent when there is none
   */
  holdsToRelease?: readonly PendingRelease[];
}

/** A hold owed a release: the release failed when the session stopped using it (0112). */
export interface PendingRelease {
  authorizationId: string;
  amount: number;
  reason: string;
  /** when the release first failed */
  failedAt: number;
}

export interface BasketState {
  phase: SessionPhase;
  session?: string;
  store?: string;
  cart?: string;
  shopper?: string;
  account?: string;
  openedAt?: number;
  updatedAt?: number;
  lines: ReadonlyMap<string, BasketLine>;
  /** line ids in the order they were added */
  lineOrder: readonly string[];
  /** signed net units per sku over counting lines (clamp at 0 when read) */
  netQty: ReadonlyMap<string, number>;
  /** signed net grams per sku over counting lines */
  netGrams: ReadonlyMap<string, number>;
  prompts: ReadonlyMap<string, Prompt>;
  /** prompts ever raised (for the receipts' `prompts` count) */
  promptsRaised: number;
  cases: ReadonlyMap<string, ReviewCase>;
  resolvedCases: readonly ResolvedCase[];
  payment: PaymentState;
  cancelReason?: string;
}

export function initialBasketState(): BasketState {
  return {
    phase: "idle",
    lines: new Map(),
    lineOrder: [],
    netQty: new Map(),
    netGrams: new Map(),
    prompts: new Map(),
    promptsRaised: 0,
    cases: new Map(),
    resolvedCases: [],
    payment: { authorized: 0, captured: 0, refunded: 0 },
  };
}

/** A line's signed contribution to the nets. */
function contribution(line: BasketLine): { sku: string; qty: number; grams: number } {
  if (line.voided) return { sku: line.sku, qty: 0, grams: 0 };
  const sign = line.kind === "add" ? 1 : -1;
  if (line.grams !== undefined) return { sku: line.sku, qty: 0, grams: sign * line.grams };
  return { sku: line.sku, qty: sign * (line.qty ?? 1), grams: 0 };
}

function withLine(state: BasketState, before: BasketLine | undefined, after: BasketLine): BasketState {
  const netQty = new Map(state.netQty);
  const netGrams = new Map(state.netGrams);
  const apply = (c: { sku: string; qty: number; grams: number }, sign: number) => {
    if (c.qty !== 0) netQty.set(c.sku, (netQty.get(c.sku) ?? 0) + sign * c.qty);
    if (c.grams !== 0) netGrams.set(c.sku, (netGrams.get(c.sku) ?? 0) + sign * c.grams);
  };
  if (before) apply(contribution(before), -1);
  apply(contribution(after), 1);
  const lines = new Map(state.lines);
  lines.set(after.lineId, after);
  const lineOrder = before ? state.lineOrder : [...state.lineOrder, after.lineId];
  return { ...state, lines, lineOrder, netQty, netGrams };
}

function lifecycle(state: BasketState, event: BasketEvent, guards = {}): BasketState {
  return { ...state, phase: nextPhase(state.phase, event.type, guards), updatedAt: event.at };
}

export function evolveBasket(state: BasketState, event: BasketEvent): BasketState {
  switch (event.type) {
    case "SessionOpened":
      return {
        ...lifecycle(state, event),
        session: event.session,
        store: event.store,
        cart: event.cart,
        shopper: event.shopper,
        account: event.account,
        openedAt: event.at,
      };
    case "ItemAdded":
    case "ItemRemoved": {
      if (state.lines.has(event.lineId)) return state;
      const kind = event.type === "ItemAdded" ? "add" : "remove";
      const line: BasketLine = {
        lineId: event.lineId,
        kind,
        sku: event.sku,
        qty: event.grams === undefined ? (event.qty ?? 1) : undefined,
        grams: event.grams,
        confidence: event.confidence,
        status: event.status,
        voided: false,
        evidence: event.evidence,
        history: [
          {
            at: event.at,
            by: "fusion",
            change: kind === "add" ? "added" : "removed",
            sku: event.sku,
            qty: event.qty,
            grams: event.grams,
            status: event.status,
          },
        ],
      };
      return { ...withLine(state, undefined, line), updatedAt: event.at };
    }
    case "LineRevised": {
      const old = state.lines.get(event.lineId);
      if (!old) return state;
      const line: BasketLine = {
        ...old,
        sku: event.sku,
        qty: event.grams === undefined ? (event.qty ?? old.qty ?? 1) : undefined,
        grams: event.grams,
        status: event.status,
        confidence: event.confidence,
        history: [
          ...old.history,
          {
            at: event.at,
            by: event.by,
            change: "revised",
            sku: event.sku,
            qty: event.qty,
            grams: event.grams,
            status: event.status,
            note: event.note,
          },
        ],
      };
      return { ...withLine(state, old, line), updatedAt: event.at };
    }
    case "LineVoided": {
      const old = state.lines.get(event.lineId);
      if (!old || old.voided) return state;
      const line: BasketLine = {
        ...old,
        voided: true,
        history: [...old.history, { at: event.at, by: event.by, change: "voided", note: event.reason }],
      };
      return { ...withLine(state, old, line), updatedAt: event.at };
    }
    case "LineDisputed": {
      const old = state.lines.get(event.lineId);
      if (!old) return state;
      const line: BasketLine = {
        ...old,
        disputeCaseId: event.caseId,
        history: [...old.history, { at: event.at, by: "shopper", change: "disputed", note: event.reason }],
      };
      return { ...withLine(state, old, line), updatedAt: event.at };
    }
    case "PromptRaised": {
      const prompts = new Map(state.prompts);
      prompts.set(event.prompt.id, event.prompt);
      return { ...state, prompts, promptsRaised: state.promptsRaised + 1, updatedAt: event.at };
    }
    case "PromptClosed": {
      if (!state.prompts.has(event.promptId)) return state;
      const prompts = new Map(state.prompts);
      prompts.delete(event.promptId);
      return { ...state, prompts, updatedAt: event.at };
    }
    case "ReviewRequested": {
      const cases = new Map(state.cases);
      cases.set(event.caseId, {
        caseId: event.caseId,
        kind: event.kind,
        lineIds: [...event.lineIds],
        reason: event.reason,
        openedAt: event.at,
        ...(event.evidence ? { evidence: event.evidence } : {}),
      });
      return { ...state, cases, updatedAt: event.at };
    }
    case "ReviewResolved": {
      const open = state.cases.get(event.caseId);
      if (!open) return state;
      const cases = new Map(state.cases);
      cases.delete(event.caseId);
      let next: BasketState = {
        ...state,
        cases,
        resolvedCases: [
          ...state.resolvedCases,
          { ...open, decision: event.decision, by: event.by, resolvedAt: event.at, note: event.note },
        ],
        updatedAt: event.at,
      };
      for (const id of open.lineIds) {
        const l = next.lines.get(id);
        if (l?.disputeCaseId === event.caseId) next = withLine(next, l, { ...l, disputeCaseId: undefined });
      }
      return next;
    }
    case "CheckoutStarted":
    case "SessionHeldForReview":
    case "SessionClosed":
      return lifecycle(state, event);
    case "PaymentAuthorized":
      return {
        ...lifecycle(state, event),
        payment: {
          ...state.payment,
          authorizationId: event.authorizationId,
          authorized: event.amount,
          currency: event.currency,
        },
      };
    case "PaymentCaptured":
      return {
        ...lifecycle(state, event),
        payment: {
          ...state.payment,
          captured: state.payment.captured + event.amount,
          currency: event.currency,
        },
      };
    case "PaymentFailed":
      return { ...lifecycle(state, event), payment: { ...state.payment, lastFailure: event.reason } };
    case "PaymentRefunded": {
      const refunded = state.payment.refunded + event.amount;
      const full = refunded >= state.payment.captured;
      return {
        ...lifecycle(state, event, { "full-refund": full, "partial-refund": !full }),
        payment: { ...state.payment, refunded },
      };
    }
    case "HoldReleased":
      return { ...lifecycle(state, event), payment: { ...state.payment, authorized: 0 } };
    case "HoldReleaseFailed": {
      const owed = state.payment.holdsToRelease ?? [];
      if (owed.some((h) => h.authorizationId === event.authorizationId)) return state;
      const pending: PendingRelease = {
        authorizationId: event.authorizationId,
        amount: event.amount,
        reason: event.reason,
        failedAt: event.at,
      };
      return { ...state, payment: { ...state.payment, holdsToRelease: [...owed, pending] } };
    }
    case "PendingHoldReleased": {
      const left = (state.payment.holdsToRelease ?? []).filter(
        (h) => h.authorizationId !== event.authorizationId,
      );
      const { holdsToRelease: _gone, ...payment } = state.payment;
      return { ...state, payment: left.length > 0 ? { ...payment, holdsToRelease: left } : payment };
    }
    case "SessionCancelled":
      return { ...lifecycle(state, event), cancelReason: event.reason };
    default:
      return assertNever(event, "basket event");
  }
}

export function foldBasket(
  events: readonly BasketEvent[],
  from: BasketState = initialBasketState(),
): BasketState {
  let s = from;
  for (const e of events) s = evolveBasket(s, e);
  return s;
}

export interface BasketContents {
  /** net units per sku, > 0 only, in order of first appearance */
  items: { sku: string; qty: number }[];
  /** net grams per sku, > 0 only */
  weighed: { sku: string; grams: number }[];
  /** every line, in order, voided ones included (they carry their history) */
  lines: BasketLine[];
  /** counting lines still marked unsure */
  unsureLineIds: string[];
  openPrompts: Prompt[];
  openCases: { caseId: string; kind: "uncertain" | "dispute"; lineIds: string[]; reason: string }[];
}

export function basketContents(state: BasketState): BasketContents {
  const items: { sku: string; qty: number }[] = [];
  const weighed: { sku: string; grams: number }[] = [];
  const seenQty = new Set<string>();
  const seenGrams = new Set<string>();
  const lines: BasketLine[] = [];
  const unsureLineIds: string[] = [];
  for (const id of state.lineOrder) {
    const line = state.lines.get(id)!;
    lines.push(line);
    if (!line.voided && line.status === "unsure") unsureLineIds.push(id);
    if (line.grams === undefined && !seenQty.has(line.sku)) {
      seenQty.add(line.sku);
      const q = state.netQty.get(line.sku) ?? 0;
      if (q > 0) items.push({ sku: line.sku, qty: q });
    }
    if (line.grams !== undefined && !seenGrams.has(line.sku)) {
      seenGrams.add(line.sku);
      const g = state.netGrams.get(line.sku) ?? 0;
      if (g > 0) weighed.push({ sku: line.sku, grams: Math.round(g * 10) / 10 });
    }
  }
  return {
    items,
    weighed,
    lines,
    unsureLineIds,
    openPrompts: [...state.prompts.values()],
    openCases: [...state.cases.values()].map((c) => ({
      caseId: c.caseId,
      kind: c.kind,
      lineIds: [...c.lineIds],
      reason: c.reason,
    })),
  };
}
