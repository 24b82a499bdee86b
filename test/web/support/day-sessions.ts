/**
 * Session rows for the figures tests, written straight to the read model: opened at `openedAt`,
 * and either settled 500 ms later with `receipt` over the fixture's receipt, or still shopping.
 */
import type { SessionView } from "../../../src/app/ports/read-models";
import type { RunningServer } from "../../../src/main";
import { sessionView } from "../../server/support/api-fixture";

export function putDaySession(
  server: RunningServer,
  store: string,
  session: string,
  openedAt: number,
  receipt?: Partial<NonNullable<SessionView["receipt"]>>,
): Promise<void> {
  const base = sessionView(store, session);
  return server.storage.sessions.put({
    ...base,
    openedAt,
    updatedAt: openedAt + 500,
    open: !receipt,
    ...(receipt ? { receipt: { ...base.receipt!, ...receipt } } : { receipt: undefined, state: "shopping" }),
  });
}
