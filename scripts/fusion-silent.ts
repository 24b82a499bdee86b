/**
 * Which lines are charged wrongly without a question: re-runs a simulated store's shoppers with
 * fusion in the loop (as `skiplane eval --answering`; --replayed replays the log as it is), and
 * for every session charged wrongly and not reviewed, lists the charge differences (by charge
 * key: unit price, tax class, age, category) and, for each, the lines of that key, whether a
 * prompt the shopper answered was about them, and the evidence summary that accepted them.
 *
 * A session is silent "by session" when nobody answered any prompt in it (the scorer's
 * `chargeSilentErrors`), and silent "by line" when some wrong charge was not asked about, even
 * if another prompt of the session was answered (the scorer's `chargeSilentLineErrors`).
 *
 * --dump FILE writes one JSON line per such session, to compare the fusion of two commits on the
 * same logs: `--against FILE` then says, for each session silent by line here, what it was there.
 * A development aid; the figures themselves come from `skiplane eval`.
 * Run: npx tsx scripts/fusion-silent.ts DIR [--threshold 0.95] [--replayed] [--dump F] [--against F]
 */

import { readFileSync, writeFileSync } from "node:fs";
import { DEFAULT_FUSION_CONFIG } from "../src/domain/fusion/fusion.config";
import { DEFAULT_STORE_SETTINGS } from "../src/domain/store/store-settings";
import { chargeKeyOf, chargeRight, compare } from "../src/eval/score";
import { runFusion } from "./fusion-run";
import { fusionRunFiles, fusionRunOptions, scriptCommand, storeDir } from "./script-command";

const command = fusionRunOptions(
  scriptCommand("fusion-silent", "Lists the lines charged wrongly without a question, by session.")
    .argument("<dir>", "a simulated store (skiplane sim --out DIR)")
    .option("--dump <file>", "write one JSON line per silent session")
    .option("--against <file>", "a --dump of another commit: what each session silent here was there"),
).parse();
const opts = command.opts<{ threshold?: string; replayed?: boolean; dump?: string; against?: string }>();
const replayed = opts.replayed === true;
const dir = storeDir("fusion-silent", command.args[0], fusionRunFiles(replayed));
const threshold = Number(opts.threshold ?? DEFAULT_FUSION_CONFIG.acceptThreshold);
const { catalog, events, receipts, truths } = await runFusion(dir, { threshold, replayed });
const keyOf = chargeKeyOf(catalog, DEFAULT_STORE_SETTINGS);

interface LineInfo {
  sku: string;
  status: string;
  asked: boolean;
  summary: string;
  hyps: string;
}
interface Row {
  session: string;
  review: boolean;
  answered: number;
  silentSession: boolean;
  silentLine: boolean;
  diffs: { key: string; d: number; asked: boolean; lines: LineInfo[] }[];
  prompts: string[];
}

const rows: Row[] = [];
let silentSession = 0;
let silentLine = 0;
for (const t of truths) {
  const r = receipts.get(t.session);
  // reviewed sessions charged wrongly are dumped too (review: true), to tell an error a review
  // used to catch from a new one when two fusions are compared
  if (!r || chargeRight(t, r, keyOf)) continue;
  const evs = events.get(t.session) ?? [];
  const line = new Map<string, LineInfo & { skus: string[] }>();
  const prompts: string[] = [];
  const promptLines = new Map<string, string[]>();
  for (const e of evs) {
    if (e.type === "ItemAdded" || e.type === "ItemRemoved")
      line.set(e.lineId, {
        sku: e.sku,
        skus: [e.sku],
        status: e.status,
        // a line an answer added (a scan or a named product for a prompt without lines)
        asked: e.evidence.summary.includes("answered on the cart screen"),
        summary: e.evidence.summary,
        hyps: e.evidence.hypotheses
          .slice(0, 3)
          .map((h) => `${h.label} ${h.posterior}`)
          .join(" | "),
      });
    if (e.type === "LineRevised") {
      const l = line.get(e.lineId);
      if (l) {
        l.skus.push(e.sku);
        l.sku = e.sku;
        l.status = e.status;
      }
    }
    if (e.type === "PromptRaised") {
      promptLines.set(e.prompt.id, e.prompt.lineIds);
      prompts.push(`${e.prompt.kind} [${e.prompt.lineIds.length} lines] ${e.prompt.text}`);
    }
    if (e.type === "PromptClosed")
      prompts.push(`  closed ${e.outcome}${e.sku ? ` ${e.sku}` : ""}${e.choice ? ` ${e.choice}` : ""}`);
  }
  // an answered prompt asked about its lines (and those its answer added: the events that
  // follow it in the same ingest are not told apart here, so lines added by a shopper count)
  const askedKeys = new Set<string>();
  for (const e of evs) {
    if (e.type === "PromptClosed" && e.outcome === "answered")
      for (const id of promptLines.get(e.promptId) ?? []) {
        const l = line.get(id);
        if (l) l.asked = true;
      }
  }
  // a line asked about covers every charge it had (a wrong answer revised it to another)
  for (const l of line.values()) if (l.asked) for (const s of l.skus) askedKeys.add(keyOf(s));
  const tk = new Map<string, number>();
  const rk = new Map<string, number>();
  for (const x of t.items) tk.set(keyOf(x.sku), (tk.get(keyOf(x.sku)) ?? 0) + x.qty);
  for (const x of r.items) rk.set(keyOf(x.sku), (rk.get(keyOf(x.sku)) ?? 0) + x.qty);
  const diffs: Row["diffs"] = [];
  for (const k of new Set([...tk.keys(), ...rk.keys()])) {
    const d = (rk.get(k) ?? 0) - (tk.get(k) ?? 0);
    if (d === 0) continue;
    diffs.push({
      key: k,
      d,
      // a unit charged that was not taken was asked about if a prompt the shopper answered
      // named a line of that charge; one taken and not charged has no line to tell, so any
      // answered prompt in the session counts for it (truth.jsonl has no per-line truth)
      asked: d > 0 ? askedKeys.has(k) : r.answered !== undefined && r.answered > 0,
      lines: [...line.values()].filter((l) => l.skus.some((s) => keyOf(s) === k)),
    });
  }
  const w = compare({ items: [], weighed: t.weighed }, { items: [], weighed: r.weighed }).diff;
  for (const x of w) {
    const charged = x.split(":")[0];
    const asked = x.endsWith("none charged")
      ? (r.answered ?? 0) > 0
      : [...line.values()].some((l) => l.asked && l.skus.includes(charged));
    diffs.push({ key: x, d: 0, asked, lines: [] });
  }
  const answered = r.answered ?? 0;
  const row: Row = {
    session: t.session,
    review: r.review,
    answered,
    silentSession: !r.review && answered === 0,
    silentLine: !r.review && diffs.some((x) => !x.asked),
    diffs,
    prompts,
  };
  if (row.silentSession) silentSession++;
  if (row.silentLine) silentLine++;
  rows.push(row);
}
const n = truths.length;
console.log(
  `${dir}: ${n} sessions, ${replayed ? "replayed" : "answering"}, threshold ${threshold}: charged wrong, not reviewed ${rows.filter((x) => !x.review).length}; silent by session ${silentSession} (${((1000 * silentSession) / n).toFixed(1)} / 1,000), by line ${silentLine} (${((1000 * silentLine) / n).toFixed(1)} / 1,000)`,
);
const dump = opts.dump;
if (dump) writeFileSync(dump, `${rows.map((x) => JSON.stringify(x)).join("\n")}\n`);
/** what a session got wrong, as one string: the charge differences */
const diffKey = (x: Row) =>
  x.diffs
    .map((d) => `${d.key}:${d.d}`)
    .sort()
    .join(",");
const against = opts.against;
if (against) {
  const before = new Map<string, Row>();
  for (const s of readFileSync(against, "utf8").split("\n"))
    if (s) {
      const x = JSON.parse(s) as Row;
      before.set(x.session, x);
    }
  const tally = new Map<string, number>();
  for (const x of rows) {
    if (!x.silentLine) continue;
    const b = before.get(x.session);
    const same =
      b !== undefined && diffKey(b) === diffKey(x) ? "the same wrong charge" : "charged wrong otherwise";
    const was = !b
      ? "charged right there"
      : b.silentLine
        ? "silent by line there too"
        : `${same} there, ${b.review ? "reviewed" : "asked"}`;
    tally.set(was, (tally.get(was) ?? 0) + 1);
    if (b?.silentLine) continue;
    console.log(`\n${x.session} (${was}), answered ${x.answered}:`);
    for (const d of x.diffs) {
      console.log(`  ${d.d > 0 ? "+" : ""}${d.d} ${d.key}${d.asked ? " (asked)" : ""}`);
      for (const l of d.lines)
        console.log(`     ${l.sku} ${l.status}${l.asked ? " asked" : ""}: ${l.summary}  [${l.hyps}]`);
    }
  }
  console.log("\nsilent by line here, and there:");
  for (const [k, v] of tally) console.log(`${String(v).padStart(5)}  ${k}`);
}
