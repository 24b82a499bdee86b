/**
 * `undecidableStops` in truth.jsonl: counted from the reasons the simulator already gives, so the
 * log stays byte for byte what it was before the field existed, and the truth only gains it. The
 * pinned digests are those of `skiplane sim --sessions 200 --seed S --mix M` (20 carts) at commit
 * 99a0da5, the last without the field (the log's still; the truth's since `decidable` calls a
 * personal item seen blank, or a product nobody saw, of the other's weight undecided: "personal
 * item or unseen product", src/sim/cart-sim.ts; and several units dropped together, seen once, of
 * a product another weighs like, scanned or not when nothing was read: "count or unseen
 * look-alike"; and units dropped one after another decided unit by unit; and what a sighting can be
 * of, `sightingCouldBe`); a deliberate change to the simulator moves them.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadDemoCatalog } from "../adapters/demo/demo-catalog";
import { HARD_MIX, type SimMix, STANDARD_MIX } from "./profile";
import { writeSimulation } from "./sim-files";
import { simulate, undecidableStopCount } from "./simulator";

const root = mkdtempSync(join(tmpdir(), "skiplane-undecidable-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const catalog = loadDemoCatalog();
const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

const BEFORE: { mix: SimMix; seed: number; log: string; truth: string }[] = [
  {
    mix: STANDARD_MIX,
    seed: 7,
    log: "4f96fd0c6adadb5a9db89985ae8588f63ca7c04fd60c15d016ad82471aa77ffb",
    truth: "ef541f8590d099c9d9bfb7fe5dad6eba984412e9758757dc3188226567762e75",
  },
  {
    mix: HARD_MIX,
    seed: 8,
    log: "34708adeeee8544b69f7a7527edb23a9de12cddbab1e978bf71f6924a1803780",
    truth: "06a7676c24e1a7acf2e87c8815c8554137cc77d7d35524f1cdd4055aa401be96",
  },
];

describe("undecidableStops in truth.jsonl", () => {
  it.each(BEFORE)("leaves the log byte-identical and only adds the field ($mix.name, seed $seed)", (b) => {
    const dir = join(root, `${b.mix.name}-${b.seed}`);
    const o = { catalog, mix: b.mix, sessions: 200, seed: b.seed, carts: 20 };
    writeSimulation(dir, o, catalog, {
      seed: b.seed,
      sessions: 200,
      carts: 20,
      mix: b.mix.name,
      answering: false,
      store: "sim-store",
      catalogSource: "demo",
    });
    expect(sha(readFileSync(join(dir, "log.jsonl")))).toBe(b.log);
    const lines = readFileSync(join(dir, "truth.jsonl"), "utf8").trim().split("\n");
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const t of parsed) {
      expect(Number.isInteger(t.undecidableStops)).toBe(true);
      expect(t.decidable).toBe(t.undecidableStops === 0);
    }
    const without = parsed.map(({ undecidableStops: _, ...t }) => JSON.stringify(t));
    expect(sha(`${without.join("\n")}\n`)).toBe(b.truth);
    expect(parsed.some((t) => (t.undecidableStops as number) >= 2)).toBe(true);
  });

  it("counts each undecided stop once, however many reasons it gives", () => {
    const counts: number[] = [];
    const reasons: string[][] = [];
    simulate(
      { catalog, mix: HARD_MIX, sessions: 60, seed: 3, carts: 6 },
      () => {},
      (t, outcome) => {
        counts.push(t.undecidableStops);
        reasons.push(outcome.undecidable);
      },
    );
    for (let i = 0; i < counts.length; i++) {
      const stops = new Set(reasons[i].map((r) => /\(stop (\d+):/.exec(r)?.[1]));
      expect(stops.has(undefined)).toBe(false);
      expect(counts[i]).toBe(stops.size);
    }
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(counts.filter((k) => k > 0).length);
    expect(
      undecidableStopCount([
        "removal ambiguous (stop 3: a taken out unseen)",
        "removal ambiguous (stop 3: b taken out unseen)",
        "count ambiguous (stop 12: one more unit)",
      ]),
    ).toBe(2);
    expect(undecidableStopCount([])).toBe(0);
    expect(() => undecidableStopCount(["no stop named"])).toThrow(/without its stop/);
  });
});
