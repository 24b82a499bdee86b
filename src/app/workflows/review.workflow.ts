/**
 * Human decisions on a session after the machine: a shopper disputes a line; a reviewer
 * resolves a case (confirm / correct / void for uncertain lines, uphold / reject / correct for
 * disputes). Each decision is written as LineRevised / LineVoided + ReviewResolved, kept as a
 * labelled example, and then the money follows the basket:
 *   - held for review and nothing left open → the exit workflow charges (capture)
 *   - already captured and the basket is now worth less → refund the difference, key
 *     `refund:{stream}:{case}` (compensation of a capture is always a refund; an upheld
 *     dispute refunds that line)
 */
import type { BasketLine } from "../../domain/basket/basket.state";
import type { FailedRelease, ResolveReview } from "../../domain/session/session.commands";
import { decideSession } from "../../domain/session/session.decider";
import { DomainError } from "../../domain/shared/errors";
import type { ReviewLabel } from "../ports/read-models";
import type { SessionSnapshot } from "../services/session-streams";
import { priceState } from "../services/views";
import { type SettleOutcome, settleSession } from "./exit.workflow";
import { keys, type PaymentWorkflowDeps } from "./payment-context";

export interface DisputeInput {
  lineId: string;
  reason: string;
}

/** A shopper disputes a receipt line: a dispute case is opened. Returns its id. */
export async function disputeLine(
  deps: PaymentWorkflowDeps,
  store: string,
  session: string,
  input: DisputeInput,
): Promise<{ caseId: string }> {
  const { events } = await deps.streams.update(
    store,
    session,
    (s) => {
      if (s.version === 0)
        throw new DomainError("UNKNOWN_SESSION", `no session ${session} in store ${store}`);
      return decideSession({ type: "DisputeLine", at: deps.clock.now(), ...input }, s.state, deps);
    },
    { source: "workflow", causation: "dispute" },
  );
  const caseId = events.find((e) => e.type === "LineDisputed")?.caseId;
  if (!caseId) throw new DomainError("UNREACHABLE", "dispute produced no case");
  return { caseId };
}

export type ReviewDecisionInput = Omit<ResolveReview, "type" | "at" | "caseId">;

export interface ResolveOutcome {
  caseId: string;
  session: string;
  /** what happened to the money afterwards */
  settle?: SettleOutcome;
  refund?: { status: "refunded"; amount: number; refundId: string } | { status: "failed"; reason: string };
}

/** A reviewer's decision on an open case. */
export async function resolveReview(
  deps: PaymentWorkflowDeps,
  store: string,
  caseId: string,
  input: ReviewDecisionInput,
): Promise<ResolveOutcome> {
  const found = await deps.reviews.get(store, caseId);
  if (!found) throw new DomainError("UNKNOWN_CASE", `no review case ${caseId} in store ${store}`);
  const session = found.session;
  let before: SessionSnapshot | undefined;
  const { snap, events } = await deps.streams.update(
    store,
    session,
    (s) => {
      before = s;
      const open = s.state.cases.get(caseId);
      if (!open) throw new DomainError("UNKNOWN_CASE", `review case ${caseId} is not open`);
      const allowed =
        open.kind === "dispute" ? ["uphold", "reject", "correct"] : ["confirm", "correct", "void"];
      if (!allowed.includes(input.decision)) {
        throw new DomainError("INVALID_DECISION", `${input.decision} does not apply to a ${open.kind} case`, {
          allowed,
        });
      }
      return decideSession({ type: "ResolveReview", at: deps.clock.now(), caseId, ...input }, s.state, deps);
    },
    { source: "workflow", causation: `review:${caseId}` },
  );
  const resolved = events.find((e) => e.type === "ReviewResolved");
  if (resolved && before) {
    const open = before.state.cases.get(caseId)!;
    const label: ReviewLabel = {
      store,
      caseId,
      session,
      kind: open.kind,
      decision: input.decision,
      by: input.by,
      at: resolved.at,
      before: open.lineIds
        .map((id) => before!.state.lines.get(id))
        .filter((l): l is BasketLine => l !== undefined)
        .map((l) => ({
          lineId: l.lineId,
          kind: l.kind,
          sku: l.sku,
          qty: l.qty,
          grams: l.grams,
          confidence: l.confidence,
          status: l.status,
          evidence: l.evidence,
        })),
      ...(input.note ? { note: input.note } : {}),
      ...(open.evidence ? { evidence: open.evidence } : {}),
    };
    const revised = events.flatMap((e) =>
      e.type === "LineRevised" ? [{ lineId: e.lineId, sku: e.sku, qty: e.qty, grams: e.grams }] : [],
    );
    if (revised.length) label.after = revised;
    await deps.labels.record(label);
  }
  const out: ResolveOutcome = { caseId, session };
  const phase = snap.state.phase;
  if (phase === "review" && ![...snap.state.cases.values()].some((c) => c.kind === "uncertain")) {
    out.settle = await settleSession(deps, store, session);
  } else if ((phase === "paid" || phase === "partially-refunded") && snap.state.payment.captured > 0) {
    out.refund = await refundDifference(
      deps,
      store,
      session,
      caseId,
      resolved?.type === "ReviewResolved" ? input.note : undefined,
    );
  }
  return out;
}

/**
 * Refunds what was captured beyond what the basket is now worth. Idempotent per case: the key
 * is derived from the case, and once the refund is written the difference is 0.
 */
export async function refundDifference(
  deps: PaymentWorkflowDeps,
  store: string,
  session: string,
  caseId: string,
  note?: string,
): Promise<
  { status: "refunded"; amount: number; refundId: string } | { status: "failed"; reason: string } | undefined
> {
  const snap = await deps.streams.load(store, session, true);
  const priced = priceState(snap.state, deps.pricing(store));
  if (!priced.receipt) return { status: "failed", reason: `pricing: ${priced.error.code}` };
  const pay = snap.state.payment;
  const due = pay.captured - pay.refunded - priced.receipt.total;
  if (due <= 0 || !snap.captureId) return undefined;
  const currency = pay.currency ?? priced.receipt.currency;
  const reason = note ? `review ${caseId}: ${note}` : `review ${caseId}`;
  const resolvedCase = snap.state.resolvedCases.find((c) => c.caseId === caseId);
  const lineId = resolvedCase?.kind === "dispute" ? resolvedCase.lineIds[0] : undefined;
  // Validate against the session rules before any money moves.
  decideSession(
    { type: "Refund", at: deps.clock.now(), amount: due, currency, reason, lineId },
    snap.state,
    deps,
  );
  const r = await deps.payments.refund({
    idempotencyKey: keys.refund(snap.streamId, caseId),
    captureId: snap.captureId,
    amount: due,
    reason,
  });
  if (r.status !== "approved") return { status: "failed", reason: `${r.status}: ${r.message}` };
  await deps.streams.update(
    store,
    session,
    (s) => {
      const already = s.state.payment.refunded - pay.refunded >= due;
      if (already) return [];
      return decideSession(
        { type: "Refund", at: deps.clock.now(), amount: r.amount, currency, reason, lineId },
        s.state,
        deps,
      ).map((e) => (e.type === "PaymentRefunded" ? { ...e, refundId: r.refundId } : e));
    },
    { source: "workflow", causation: `refund:${caseId}` },
  );
  return { status: "refunded", amount: r.amount, refundId: r.refundId };
}

/**
 * Cancels a session (operator). Compensation of the hold: it is released at the provider.
 */
export async function cancelSession(
  deps: PaymentWorkflowDeps,
  store: string,
  session: string,
  reason: string,
  checkInHold?: string,
): Promise<void> {
  let held = 0;
  const { snap } = await deps.streams.update(
    store,
    session,
    (s) => {
      if (s.version === 0)
        throw new DomainError("UNKNOWN_SESSION", `no session ${session} in store ${store}`);
      if (s.state.phase === "cancelled") return [];
      held = s.state.payment.authorized;
      return decideSession({ type: "Cancel", at: deps.clock.now(), reason }, s.state, deps);
    },
    { source: "workflow", causation: "cancel" },
  );
  const holds = new Set([snap.state.payment.authorizationId, checkInHold].filter((x): x is string => !!x));
  const failed: FailedRelease[] = [];
  for (const authorizationId of holds) {
    const rel = await deps.payments.release({
      idempotencyKey: keys.release(authorizationId),
      authorizationId,
    });
    if (rel.status !== "approved" && !(rel.status === "error" && rel.code === "not-held"))
      failed.push({
        authorizationId,
        amount: authorizationId === snap.state.payment.authorizationId ? held : 0,
        reason: `release ${rel.status}: ${rel.message}`,
      });
  }
  // the cancel is recorded; a release the provider did not confirm is owed, retried later (0112)
  if (failed.length > 0)
    await deps.streams.update(
      store,
      session,
      (s) =>
        decideSession({ type: "RecordReleaseFailure", at: deps.clock.now(), holds: failed }, s.state, deps),
      { source: "workflow", causation: "cancel" },
    );
}
