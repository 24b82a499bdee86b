/**
 * Holds a session owes a release (decision 0112): holds it placed and will not capture whose
 * release the provider did not confirm when the session stopped using them — the check-in hold
 * an exact hold replaced at exit, a spare hold of a failed exit, a cancelled session's hold, and
 * a `problem` session's own recorded hold (decision 0120: released, it is recorded both as the
 * owed release settled and as the session's hold released).
 * Each was recorded (`HoldReleaseFailed`) and is retried here with its release key
 * (`release:{authorizationId}`, so a release that happened but whose answer was lost is answered
 * again, not repeated) until the provider confirms it (`PendingHoldReleased`).
 *
 * Run by StoreService's sweep (`releaseOwedHolds`), every minute and at startup. A second run, or another
 * process, finds nothing left or records nothing twice: the append is re-checked on the stream.
 */
import { decideSession, isLiveHold } from "../../domain/session/session.decider";
import { keys, type PaymentWorkflowDeps } from "./payment-context";

export interface OwedReleaseOutcome {
  released: string[];
  /** still owed after this try, with the provider's answer */
  failed: { authorizationId: string; reason: string }[];
}

export async function releaseOwedHolds(
  deps: PaymentWorkflowDeps,
  store: string,
  session: string,
): Promise<OwedReleaseOutcome> {
  const { state } = await deps.streams.load(store, session, true);
  const out: OwedReleaseOutcome = { released: [], failed: [] };
  for (const { authorizationId } of state.payment.holdsToRelease ?? []) {
    const rel = await deps.payments.release({
      idempotencyKey: keys.release(authorizationId),
      authorizationId,
    });
    if (rel.status !== "approved") {
      out.failed.push({ authorizationId, reason: `release ${rel.status}: ${rel.message}` });
      continue;
    }
    const { events } = await deps.streams.update(
      store,
      session,
      (s) => {
        const at = deps.clock.now();
        return [
          ...decideSession({ type: "ReleasePendingHold", at, authorizationId }, s.state, deps),
          // a `problem` session's own hold (0120): the stream shows it held until released
          ...(s.state.phase === "problem" && isLiveHold(s.state, authorizationId)
            ? decideSession({ type: "ReleaseHold", at, authorizationId }, s.state, deps)
            : []),
        ];
      },
      { source: "workflow", causation: "release" },
    );
    if (events.length > 0) out.released.push(authorizationId);
  }
  return out;
}
