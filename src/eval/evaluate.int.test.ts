/**
 * Evaluation end to end on a small hand-written store: four sessions whose answers are known,
 * two carts interleaved, damaged lines in the log and a truth line for a session the log never
 * had. The figures must come out exactly.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_STORE_SETTINGS } from "../domain/store/store-settings";
import { evaluateDir, formatReport } from "./evaluate";

const dir = mkdtempSync(join(tmpdir(), "skiplane-eval-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The truth file: one line per session. */
const writeTruth = (lines: object[]) =>
  writeFileSync(join(dir, "truth.jsonl"), lines.map((x) => JSON.stringify(x)).join("\n"));

/** The evaluation of `dir` at the default settings and threshold 0.9: a replay unless `answering`. */
const evaluate = (answering = false) =>
  evaluateDir({ dir, settings: DEFAULT_STORE_SETTINGS, threshold: 0.9, answering, sweep: [] });

const catalog = {
  currency: "USD",
  products: [
    {
      sku: "cola-330",
      name: "Cola",
      gtin: "05449000000996",
      price: 129,
      soldBy: "unit",
      weight: { mean: 349.2, sd: 1.6 },
      taxClass: "exempt",
    },
    {
      sku: "chips-salt",
      name: "Sea Salt",
      price: 249,
      soldBy: "unit",
      weight: { mean: 160, sd: 1 },
      taxClass: "exempt",
      lookalikes: ["chips-vinegar"],
    },
    {
      sku: "chips-vinegar",
      name: "Salt & Vinegar",
      // another price: which of the two it is changes the charge, so a tie is asked about
      price: 269,
      soldBy: "unit",
      weight: { mean: 160, sd: 1 },
      taxClass: "exempt",
      lookalikes: ["chips-salt"],
    },
  ],
};

type Line = Record<string, unknown>;
const T0 = 1_767_600_000_000;
/** one cart's session: rest, a sighting, the item lands, rest, exit */
function session(
  cart: string,
  session: string,
  t0: number,
  grams: number,
  candidates: { sku: string; p: number }[],
): Line[] {
  const base = { v: 1, store: "st", cart };
  const batch = (t: number, g: number) => ({
    ...base,
    t,
    type: "weight",
    grams: Array.from({ length: 20 }, (_, i) => g + (i % 2 ? 0.5 : -0.5)),
    hz: 20,
  });
  return [
    { ...base, t: t0, type: "session.start", session },
    batch(t0 + 50, 0),
    batch(t0 + 1050, 0),
    { ...base, t: t0 + 1900, type: "vision", dir: "in", candidates },
    batch(t0 + 2050, grams),
    batch(t0 + 3050, grams),
    batch(t0 + 4050, grams),
    { ...base, t: t0 + 6000, type: "session.end" },
    // the shopper unloads at the car: samples that belong to no session
    batch(t0 + 7050, grams),
    batch(t0 + 8050, 0),
    batch(t0 + 9050, 0),
  ];
}

describe("skiplane eval on a hand-written store", () => {
  it("gives the known figures, reports damaged lines by number and truth for other sessions", async () => {
    const lines: Line[] = [
      ...session("c1", "s1", T0, 349, [{ sku: "cola-330", p: 0.97 }]),
      ...session("c2", "s2", T0 + 500, 160, [{ sku: "chips-salt", p: 0.96 }]),
      ...session("c1", "s3", T0 + 20_000, 160, [
        { sku: "chips-salt", p: 0.55 },
        { sku: "chips-vinegar", p: 0.45 },
      ]),
    ].sort((a, b) => (a.t as number) - (b.t as number));
    const text = lines.map((l) => JSON.stringify(l));
    // damage: a truncated line, an unknown version, a wrong type — each its own line
    text.splice(3, 0, '{"v":1,"t":1767600000100,"type":"weight","store":"st","car');
    text.splice(6, 0, '{"v":2,"t":1767600000200,"type":"weight","store":"st","cart":"c1","grams":1}');
    text.splice(9, 0, '{"v":1,"t":1767600000300,"type":"weight","store":"st","cart":"c2","grams":"heavy"}');
    writeFileSync(join(dir, "log.jsonl"), `${text.join("\n")}\n`);
    writeFileSync(join(dir, "catalog.json"), JSON.stringify(catalog));
    writeTruth([
      { session: "s1", items: [{ sku: "cola-330", qty: 1 }], weighed: [], decidable: true },
      { session: "s2", items: [{ sku: "chips-salt", qty: 2 }], weighed: [], decidable: true },
      { session: "s3", items: [{ sku: "chips-salt", qty: 1 }], weighed: [], decidable: false },
      { session: "s9", items: [{ sku: "cola-330", qty: 1 }], weighed: [], decidable: true },
    ]);

    const r = await evaluate();
    expect(r.issues.log.examples.map((i) => [i.line, i.reason])).toEqual([
      [4, "bad-json"],
      [7, "unknown-version"],
      [10, "bad-event"],
    ]);
    expect(r.unmatched).toEqual({ truthWithoutLog: ["s9"], logWithoutTruth: [] });
    const m = r.modes[0];
    expect(m.mode).toBe("replay");
    expect(m.counters.sessions).toBe(3);
    // which kind of prompt fusion shows is fusion's choice; that it went unanswered into review is ours
    expect(Object.entries(m.counters.reviewReasons)).toEqual([
      [expect.stringMatching(/^unanswered \S+ prompt$/), 1],
    ]);
    const f = m.figures;
    expect(f.sessions).toBe(4);
    expect(f.receipts).toBe(3);
    expect(f.missingReceipts).toBe(1);
    // s1 right untouched; s2 charged one bag of chips for two: silent; s3 the look-alikes tie: asked, unanswered → review
    expect(f.rightNoHuman).toBe(1);
    expect(f.silentErrors).toBe(1);
    expect(m.silentExamples.map((e) => [e.session, e.diff])).toEqual([["s2", ["−chips-salt×1"]]]);
    expect(f.reviews).toBe(1);
    expect(f.prompts).toBe(1);
    expect(f.needlessReviews).toBe(0);
    expect(f.undecidableNotReviewed).toBe(0);
    expect(f.silentPer1000).toBe(250);
    // by charge the same: s2 is short of one bag of chips
    expect(f.chargeRightNoHuman).toBe(1);
    expect(f.chargeSilentErrors).toBe(1);
    expect(f.skuSilentErrors).toBe(1);
    expect(f.reviewsPer1000).toBe(250);
    expect(f.money.trueSales).toBe(129 + 498 + 249 + 129);
    expect(f.latencyMs?.n).toBe(3);
    // a truth file without undecidableStops (an older simulator's): the bound is unavailable, not 0
    expect(m.evidenceBound).toEqual({
      available: false,
      mode: "replay",
      reason: expect.stringMatching(/^4 of 4 truth lines have no undecidableStops/),
    });
    expect(formatReport(r)).toMatch(/\nevidence bound: unavailable \(4 of 4 truth lines/);
  });

  it("reports the evidence bound beside the figures when the truth counts undecided stops", async () => {
    writeTruth(
      [
        { session: "s1", items: [{ sku: "cola-330", qty: 1 }], decidable: true, undecidableStops: 0 },
        { session: "s2", items: [{ sku: "chips-salt", qty: 2 }], decidable: true, undecidableStops: 0 },
        { session: "s3", items: [{ sku: "chips-salt", qty: 1 }], decidable: false, undecidableStops: 1 },
        { session: "s9", items: [{ sku: "cola-330", qty: 1 }], decidable: true, undecidableStops: 0 },
      ].map((x) => ({ weighed: [], ...x })),
    );
    const r = await evaluate();
    const b = r.modes[0].evidenceBound;
    expect(b?.available).toBe(true);
    if (!b?.available) return;
    // s3's one undecided stop: one prompt, unanswered in a replay, so one review; the rest right
    expect([b.promptsPerSession, b.reviewsPer1000, b.pctRightNoHuman, b.silentPer1000]).toEqual([
      0.25, 250, 75, 0,
    ]);
    // the table is unchanged above the bound; the bound marks what it cannot reach
    const text = formatReport(r).split("\n");
    const at = text.indexOf("");
    expect(at).toBeGreaterThan(0);
    expect(text[at + 1]).toMatch(/^best any fusion could do on this evidence/);
    const bound = text.slice(at);
    expect(bound.find((l) => l.startsWith("silent errors / 1,000 "))).toMatch(/0 reachable \(≤1\)$/);
    expect(bound.find((l) => l.startsWith("needless reviews / 1,000 "))).toMatch(/0 reachable \(≤20\)$/);
  });

  it("reports a truth line it cannot price by line number and scores the rest", async () => {
    // before: `unknown sku "x"` thrown from the pricing, no line, nothing scored
    writeTruth([
      { session: "s1", items: [{ sku: "cola-330", qty: 1 }], weighed: [], decidable: true },
      { session: "o", items: [{ sku: "x", qty: 1 }], weighed: [] },
      { session: "s2", items: [{ sku: "chips-salt", qty: 2 }], weighed: [], decidable: true },
      { session: "s3", items: [{ sku: "chips-salt", qty: 1 }], weighed: [], decidable: false },
    ]);
    const r = await evaluate();
    expect(r.issues.truth.counts).toEqual({ "bad-event": 1 });
    expect(r.issues.truth.examples).toEqual([
      { line: 2, reason: "bad-event", detail: expect.stringMatching(/session o .*unknown sku "x"/) },
    ]);
    expect(r.sessions).toBe(3);
    expect(r.modes[0].figures.sessions).toBe(3);
    expect(r.modes[0].figures.rightNoHuman).toBe(1);
    expect(r.unmatched).toEqual({ truthWithoutLog: [], logWithoutTruth: [] });
  });

  it("goes on without a broken sim.json, saying so; --answering cannot and says why", async () => {
    // before: a bare JSON.parse error naming no file, even for a plain replay
    writeFileSync(join(dir, "sim.json"), "{bad");
    const r = await evaluate();
    expect(r.modes.map((m) => m.mode)).toEqual(["replay"]);
    expect(r.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${join(dir, "sim.json")} is not valid JSON: line 1, column 2: .*mix it names is unknown`,
        ),
      ),
    ]);
    await expect(evaluate(true)).rejects.toThrow(
      new RegExp(`${join(dir, "sim.json")} is not valid JSON: line 1, column 2`),
    );
    writeFileSync(join(dir, "sim.json"), '{"seed":1,"sessions":4}');
    const wrong = await evaluate();
    expect(wrong.warnings).toEqual([expect.stringMatching(/is not a simulation manifest: carts: Required/)]);
    rmSync(join(dir, "sim.json"));
    expect((await evaluate()).warnings).toBeUndefined();
  });

  it("names the mix file in the header when the sim used --mix-file (sim.json records it)", async () => {
    const manifest = { seed: 1, sessions: 4, carts: 2, mix: "standard", store: "st", answering: false };
    try {
      writeFileSync(join(dir, "sim.json"), JSON.stringify(manifest));
      const plain = await evaluate();
      expect(plain.mixFile).toBeUndefined();
      expect(formatReport(plain).split("\n")[0]).toBe(`evaluation of ${dir} (standard mix, threshold 0.9)`);

      writeFileSync(
        join(dir, "sim.json"),
        JSON.stringify({
          ...manifest,
          mixFile: "/tmp/camera.json",
          mixOverrides: { sensors: { lookalikeConfusionP: 0 } },
        }),
      );
      const r = await evaluate();
      expect(r.warnings).toBeUndefined();
      expect(r.mixFile).toBe("/tmp/camera.json");
      // before: "(standard mix, threshold 0.9)", as if the sim had used the standard mix
      expect(formatReport(r).split("\n")[0]).toBe(
        `evaluation of ${dir} (standard mix + overrides from /tmp/camera.json, threshold 0.9)`,
      );
    } finally {
      rmSync(join(dir, "sim.json"), { force: true });
    }
  });
});
