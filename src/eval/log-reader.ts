/**
 * Reading a §1 sensor log (JSONL) at the edge: line by line, each validated with the zod schemas
 * of src/adapters/schemas. A bad line (not JSON, an unknown version `v`, wrong types, an unknown
 * type) is reported with its line number and reason, counted, and skipped; the rest is kept.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { parseSensorEvent } from "../adapters/schemas/sensor-event.schema";
import type { SensorEvent } from "../domain/events/sensor-events";

export type LineIssueReason = "bad-json" | "unknown-version" | "bad-event" | "unknown-type" | "too-large";

export interface LineIssue {
  line: number;
  reason: LineIssueReason;
  detail: string;
}

/** Issues seen in one file: counts by reason, and the first `keep` in full. */
export class IssueLog {
  readonly counts: Record<string, number> = {};
  readonly examples: LineIssue[] = [];
  total = 0;
  constructor(private readonly keep = 200) {}
  add(issue: LineIssue): void {
    this.total++;
    this.counts[issue.reason] = (this.counts[issue.reason] ?? 0) + 1;
    if (this.examples.length < this.keep) this.examples.push(issue);
  }
}

/** the longest line accepted (a 10,000-sample batch fits easily) */
export const MAX_LINE_CHARS = 1_000_000;

/** Validate one line of a §1 log. */
export function parseLogLine(
  text: string,
  line: number,
): { ok: true; event: SensorEvent } | { ok: false; issue: LineIssue } | { ok: "blank" } {
  const s = text.trim();
  if (s.length === 0) return { ok: "blank" };
  if (s.length > MAX_LINE_CHARS) {
    return { ok: false, issue: { line, reason: "too-large", detail: `line of ${s.length} characters` } };
  }
  let data: unknown;
  try {
    data = JSON.parse(s);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { ok: false, issue: { line, reason: "bad-json", detail: `not JSON (truncated line?): ${msg}` } };
  }
  if (
    data &&
    typeof data === "object" &&
    !Array.isArray(data) &&
    "v" in data &&
    (data as { v: unknown }).v !== 1
  ) {
    return {
      ok: false,
      issue: {
        line,
        reason: "unknown-version",
        detail: `format version v=${JSON.stringify((data as { v: unknown }).v)}, this reader knows v=1`,
      },
    };
  }
  const r = parseSensorEvent(data);
  if (!r.ok)
    return {
      ok: false,
      issue: {
        line,
        reason:
          r.reason === "bad-json" ? "bad-json" : r.reason === "unknown-type" ? "unknown-type" : "bad-event",
        detail: r.detail,
      },
    };
  return { ok: true, event: r.event };
}

/** Stream a §1 log file: yields valid events with their line numbers; issues go to `issues`. */
export async function* readSensorLog(
  path: string,
  issues: IssueLog,
): AsyncGenerator<{ line: number; event: SensorEvent }> {
  const rl = createInterface({
    input: createReadStream(path, { encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let n = 0;
  for await (const text of rl) {
    n++;
    const r = parseLogLine(text, n);
    if (r.ok === "blank") continue;
    if (r.ok === false) {
      issues.add(r.issue);
      continue;
    }
    yield { line: n, event: r.event };
  }
}
