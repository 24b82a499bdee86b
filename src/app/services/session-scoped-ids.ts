/**
 * Ids for what fusion creates (lines, prompts, review cases) that depend only on the session and
 * the order of its raw events: `line_s-0001_0003`. Replaying a session's raw events through a
 * fresh CartStreams after a crash, or in another server process, therefore re-creates the very
 * ids already stored in the session's stream, and later events (a prompt answer naming
 * `prompt_s-0001_0002`, a LineRevised) keep pointing at the right things. Session ids are unique
 * per store (a reused one is refused), so these ids are too.
 */
import type { IdGenerator } from "../ports/id-generator";

export class SessionScopedIds {
  private session = "idle";
  private readonly counters = new Map<string, number>();

  /** Call before each cart event with the session it belongs to (undefined: none open). */
  enter(session: string | undefined): void {
    const s = session ?? "idle";
    if (s !== this.session) {
      this.session = s;
      this.counters.clear();
    }
  }

  readonly ids: IdGenerator = (prefix) => {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}_${this.session}_${String(n).padStart(4, "0")}`;
  };
}
