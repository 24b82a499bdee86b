/**
 * Where "right with no human" is lost: re-runs a simulated store's shoppers with fusion in the loop
 * (as `skiplane eval --answering` does, or without answers with --replayed), scores each receipt
 * and sorts every session that is not right-with-no-human into one cause, largest first:
 *
 * - reviewed, by why (an unanswered prompt and what it was about; lines still unsure after an
 *   answer; an unexplained removal; …);
 * - wrong and not reviewed, after a shopper's answer (a wrong answer, or a right answer fusion
 *   could not map), or silent (nobody asked), by what differs (a look-alike swapped at the same
 *   price and tax, at another price, a missed item, an extra item, produce, a quantity).
 *
 * A development aid (the figures themselves come from `skiplane eval`).
 * --needless keeps only the sessions the simulator marks decidable: with --replayed, the
 * "reviewed" rows are then the needless reviews by why.
 * Run: npx tsx scripts/fusion-breakdown.ts DIR [--threshold 0.95] [--replayed] [--needless] [--show N]
 */

import { writeFileSync } from "node:fs";
import type { Evidence } from "../src/domain/basket/basket.events";
import type { Catalog } from "../src/domain/catalog/product";
import { DEFAULT_FUSION_CONFIG } from "../src/domain/fusion/fusion.config";
import { DEFAULT_STORE_SETTINGS } from "../src/domain/store/store-settings";
import { chargeKeyOf, chargeRight, compare } from "../src/eval/score";
import { runFusion } from "./fusion-run";
import { fusionRunFiles, fusionRunOptions, scriptCommand, storeDir } from "./script-command";

const command = fusionRunOptions(
  scriptCommand("fusion-breakdown", "Sorts every session not right-with-no-human into one cause.")
    .argument("<dir>", "a simulated store (skiplane sim --out DIR)")
    .option("--needless", "only the sessions the simulator marks decidable")
    .option("--show <n>", "examples per cause (default 3)")
    .option("--dump <file>", "write one JSON line per session")
    .option("--session <id>", "print one session's basket events and truth"),
).parse();
const opts = command.opts<{
  threshold?: string;
  replayed?: boolean;
  needless?: boolean;
  show?: string;
  dump?: string;
  session?: string;
}>();
const replayed = opts.replayed === true;
const dir = storeDir("fusion-breakdown", command.args[0], fusionRunFiles(replayed));
const threshold = Number(opts.threshold ?? DEFAULT_FUSION_CONFIG.acceptThreshold);
const show = Number(opts.show ?? 3);
const needlessOnly = opts.needless === true;
const { catalog, events, receipts, truths } = await runFusion(dir, { threshold, replayed });
const skuByName = new Map<string, string>();
for (const p of catalog.bySku.values()) skuByName.set(p.name, p.sku);

/** why a line was unsure, from its evidence (as scripts/fusion-diagnose.ts) */
function cause(ev: Evidence | undefined): string {
  if (!ev) return "no line";
  const h = ev.hypotheses;
  const seen = ev.summary.includes("camera saw");
  if (ev.summary.includes("unexplained") || ev.summary.includes("nothing identified")) return "remainder";
  if (h[0]?.label.startsWith("not merchandise")) return seen ? "not merch? (seen)" : "not merch? (unseen)";
  if (!seen && ev.scans.length === 0 && ev.plu.length === 0) return "weight only (camera missed)";
  const one = (l: string) => /^1 × [^+]+$/.test(l);
  if (h.length > 1 && one(h[0].label) && one(h[1].label)) return "two single products compete";
  if (h.length > 1 && h[0].label.includes("+") !== h[1].label.includes("+")) return "one vs several";
  if (/ g$/.test(h[0]?.label ?? "")) return "weighed produce";
  return otherCause(ev);
}

/** the products a hypothesis label names, by sku, with their unit counts (weighed: 0) */
function labelItems(label: string): Map<string, number> | undefined {
  const out = new Map<string, number>();
  for (const part of label.split(" + ")) {
    const unit = /^(\d+) × (.+)$/.exec(part);
    const weighed = /^(.+) \d+ g(?: \(weighed\))?$/.exec(part);
    const name = unit ? unit[2] : weighed?.[1];
    const sku = name === undefined ? undefined : skuByName.get(name);
    if (sku === undefined) {
      if (/ g unidentified$/.test(part)) continue;
      return undefined;
    }
    out.set(sku, unit ? Number(unit[1]) : 0);
  }
  return out;
}

/**
 * What "other" is, from the evidence (session 12): the guess's product seen going the other way;
 * a clear sighting whose top is a product the guess does not hold while it lists one lower; the
 * same products at another count; one of them swapped for its look-alike; the guess against a
 * catch-all (not merchandise, merchandise nothing identifies: the weight off the catalog's).
 */
function otherCause(ev: Evidence): string {
  const h = ev.hypotheses;
  const guess = labelItems(h[0]?.label ?? "");
  if (!guess || !ev.change) return "other";
  const against = ev.change.delta < 0 ? "in" : "out";
  const tops = ev.vision
    .filter((v) => v.candidates.length > 0)
    .map((v) => ({ dir: v.dir, c: [...v.candidates].sort((a, b) => b.p - a.p) }));
  if (tops.some((v) => v.dir === against && guess.has(v.c[0].sku))) return "seen the wrong way";
  if (
    tops.some(
      (v) => v.dir !== against && !guess.has(v.c[0].sku) && v.c.slice(1).some((x) => guess.has(x.sku)),
    )
  )
    return "camera's top another product";
  const second = labelItems(h[1]?.label ?? "");
  if (second && second.size === guess.size && [...guess.keys()].every((k) => second.has(k)))
    return "how many units";
  if (second && second.size === guess.size) {
    const gone = [...guess.keys()].filter((k) => !second.has(k));
    const come = [...second.keys()].filter((k) => !guess.has(k));
    const alike = (a: string, b: string) =>
      catalog.bySku.get(a)?.lookalikes?.includes(b) || catalog.bySku.get(b)?.lookalikes?.includes(a);
    if (gone.length === 1 && come.length === 1 && alike(gone[0], come[0])) return "a look-alike second";
  }
  if (h[1]?.label.startsWith("unidentified") || h[1]?.label.startsWith("not merchandise"))
    return "weight off (a catch-all second)";
  return "other";
}

function chargeKey(c: Catalog, sku: string): string {
  const p = c.bySku.get(sku);
  return p ? `${p.price ?? p.pricePerKg}/${p.taxClass ?? ""}/${p.ageRestricted ? 1 : 0}` : sku;
}

/** what a wrong receipt got wrong, in one phrase */
function what(diff: string[]): string {
  const plus = diff.filter((d) => d.startsWith("+")).map((d) => d.slice(1).split("×")[0]);
  const minus = diff.filter((d) => d.startsWith("−")).map((d) => d.slice(1).split("×")[0]);
  const weighed = diff.filter((d) => d.includes(" g "));
  if (weighed.length > 0) return "weighed line wrong";
  if (plus.length === 1 && minus.length === 1) {
    const a = catalog.bySku.get(plus[0]);
    const looks =
      a?.lookalikes?.includes(minus[0]) || catalog.bySku.get(minus[0])?.lookalikes?.includes(plus[0]);
    const same = chargeKey(catalog, plus[0]) === chargeKey(catalog, minus[0]);
    return `${looks ? "look-alike" : "other product"} swapped, ${same ? "same" : "different"} price`;
  }
  if (plus.length > 0 && minus.length === 0) return "extra item charged";
  if (minus.length > 0 && plus.length === 0) return "item missed";
  return "several differences";
}

const tally = new Map<string, number>();
const examples = new Map<string, string[]>();
const bump = (k: string, ex: string) => {
  tally.set(k, (tally.get(k) ?? 0) + 1);
  const xs = examples.get(k) ?? [];
  if (xs.length < show) xs.push(ex);
  examples.set(k, xs);
};
const keyOf = chargeKeyOf(catalog, DEFAULT_STORE_SETTINGS);
let lost = 0;
let promptsByCause = new Map<string, number>();
for (const t of truths) {
  const r = receipts.get(t.session);
  const evs = events.get(t.session) ?? [];
  const evidenceOf = new Map<string, Evidence>();
  const promptCause = new Map<string, string>();
  for (const e of evs) {
    if (e.type === "ItemAdded" || e.type === "ItemRemoved") evidenceOf.set(e.lineId, e.evidence);
    if (e.type === "PromptRaised") {
      const c = `${e.prompt.kind}: ${e.prompt.lineIds.length ? cause(evidenceOf.get(e.prompt.lineIds[0])) : e.prompt.text.startsWith("Something else") ? "remainder" : e.prompt.text.startsWith("Did") ? "something else?" : "no line"}`;
      promptCause.set(e.prompt.id, c);
      promptsByCause.set(c, (promptsByCause.get(c) ?? 0) + 1);
    }
  }
  if (needlessOnly && !t.decidable) continue;
  if (!r) {
    lost++;
    bump("no receipt", t.session);
    continue;
  }
  const c = compare(t, r);
  const ok = c.diff.length === 0;
  if (ok && !r.review) continue;
  lost++;
  const tag = `${t.session}${t.decidable ? "" : " (undecidable)"}: ${c.diff.join(", ") || "right"}`;
  if (r.review) {
    const reasons: string[] = [];
    const expired = new Set<string>();
    for (const e of evs) if (e.type === "PromptClosed" && e.outcome === "expired") expired.add(e.promptId);
    for (const e of evs) {
      if (e.type !== "ReviewRequested") continue;
      if (e.reason.startsWith("unanswered")) continue;
      reasons.push(
        e.reason
          .split(":")[0]
          .replace(/[−+]?\d+(\.\d+)?/g, "#")
          .slice(0, 70),
      );
    }
    for (const id of expired) reasons.push(`unanswered ${promptCause.get(id) ?? "?"}`);
    const key = `reviewed${ok ? "" : " (and wrong)"}: ${[...new Set(reasons)].sort().join(" + ")}`;
    bump(key, tag);
  } else {
    const answered = (r as { answered?: number }).answered ?? 0;
    const byEquivalence = evs.some(
      (e) => e.type === "ItemAdded" && e.evidence.summary.includes("charged as shown"),
    );
    const charged = chargeRight(t, r, keyOf)
      ? "charge right"
      : `CHARGE WRONG${byEquivalence ? ", a line charged on equivalence" : ""}`;
    bump(`${answered > 0 ? "wrong after an answer" : "SILENT"} (${charged}): ${what(c.diff)}`, tag);
  }
}
// --dump FILE: one line per session (right, charge-right, review, answered), to compare two runs
const dump = opts.dump;
if (dump) {
  const rows = truths.map((t) => {
    const r = receipts.get(t.session);
    if (!r) return JSON.stringify({ session: t.session, missing: true });
    return JSON.stringify({
      session: t.session,
      right: compare(t, r).diff.length === 0,
      charge: chargeRight(t, r, keyOf),
      review: r.review,
      answered: (r as { answered?: number }).answered ?? 0,
      prompts: r.prompts,
    });
  });
  writeFileSync(dump, `${rows.join("\n")}\n`);
}
const n = truths.length;
console.log(
  `${dir}: ${n} sessions, ${replayed ? "replayed" : "answering"}, threshold ${threshold}; not right-with-no-human: ${lost} (${((100 * lost) / n).toFixed(2)} %)`,
);
for (const [k, v] of [...tally].sort((a, b) => b[1] - a[1])) {
  console.log(`${String(v).padStart(5)}  ${((100 * v) / n).toFixed(2).padStart(5)} %  ${k}`);
  for (const x of examples.get(k) ?? []) console.log(`               ${x}`);
}
console.log("\nprompts by kind and cause (per session):");
for (const [k, v] of [...promptsByCause].sort((a, b) => b[1] - a[1]))
  console.log(`${String(v).padStart(5)}  ${(v / n).toFixed(3)}  ${k}`);
promptsByCause = new Map();

// --session ID: the basket events of one session (answers included), and its truth
const only = opts.session;
if (only) {
  console.log(`\n${only}:`);
  for (const e of events.get(only) ?? []) {
    const ev = e.type === "ItemAdded" || e.type === "ItemRemoved" ? e.evidence : undefined;
    const rest = { ...e } as Record<string, unknown>;
    delete rest.evidence;
    delete rest.at;
    console.log(JSON.stringify(rest));
    if (ev)
      console.log(
        `    ${ev.summary}  [${ev.hypotheses.map((h) => `${h.label} ${h.posterior}`).join(" | ")}]`,
      );
  }
  const t = truths.find((x) => x.session === only);
  console.log(`truth: ${JSON.stringify(t)}\nreceipt: ${JSON.stringify(receipts.get(only))}`);
}
