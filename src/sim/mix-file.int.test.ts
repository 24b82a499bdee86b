/**
 * The camera's confidence bands became parameters (SensorProfile.rightTopP…, confusedTopP…) and a
 * mix file can override any field. At the defaults nothing written may move: the digests are
 * those of `writeSimulation` (200 sessions, 20 carts) at 671e63f, before the bands were
 * parameters (log, truth with `undecidableStops`, sim.json; truth.jsonl's since "personal item or
 * unseen product" and "count or unseen look-alike" in src/sim/cart-sim.ts, the latter also for a
 * scanned drop of units without a barcode, and units one after another decided unit by unit,
 * and what a sighting can be of, `sightingCouldBe`; the log unchanged). A
 * deliberate change to the simulator moves them.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadDemoCatalog } from "../adapters/demo/demo-catalog";
import { readManifest } from "../eval/evaluate";
import { manifestMix, readMixFile } from "./mix-file";
import { HARD_MIX, type SimMix, STANDARD_MIX } from "./profile";
import { writeSimulation } from "./sim-files";

const root = mkdtempSync(join(tmpdir(), "skiplane-mix-file-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const catalog = loadDemoCatalog();
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const PINNED: { mix: SimMix; seed: number; files: Record<string, string> }[] = [
  {
    mix: STANDARD_MIX,
    seed: 7,
    files: {
      "log.jsonl": "4f96fd0c6adadb5a9db89985ae8588f63ca7c04fd60c15d016ad82471aa77ffb",
      "truth.jsonl": "18973518251c36315a65c047d978507b996ca671f37b68ffa0885b9aa4e4877d",
      "sim.json": "85128f4587a38598176cf192d53299cc32d5ae95100e3e5d3b17c5af2a41b8a6",
    },
  },
  {
    mix: HARD_MIX,
    seed: 8,
    files: {
      "log.jsonl": "34708adeeee8544b69f7a7527edb23a9de12cddbab1e978bf71f6924a1803780",
      "truth.jsonl": "af05e19e8339dbb44bfc3ed6012627b34e18aafe4b836b6057a22727399c28d0",
      "sim.json": "196229f80628766c17518ad7fe350ea0424460a817d370f7ba8d81646c6678e2",
    },
  },
];

function write(dir: string, mix: SimMix, seed: number, extra: Record<string, unknown> = {}): string {
  const out = join(root, dir);
  writeSimulation(out, { catalog, mix, sessions: 200, seed, carts: 20 }, catalog, {
    seed,
    sessions: 200,
    carts: 20,
    mix: mix.name,
    ...extra,
    answering: false,
    store: "sim-store",
    catalogSource: "demo",
  });
  return out;
}

describe("camera bands as parameters, and mix files", () => {
  it.each(PINNED)("default $mix.name seed $seed: every file byte-identical to before", (p) => {
    const dir = write(`${p.mix.name}-${p.seed}`, p.mix, p.seed);
    for (const [f, digest] of Object.entries(p.files))
      expect(sha(readFileSync(join(dir, f))), f).toBe(digest);
  });

  it("a mix file's camera changes the log; sim.json records it and eval reads the same mix back", () => {
    const file = join(root, "camera.json");
    writeFileSync(file, JSON.stringify({ sensors: { lookalikeConfusionP: 0, confusedTopPMax: 0.7 } }));
    const { mix, overrides } = readMixFile(file, STANDARD_MIX);
    const dir = write("camera", mix, 7, { mixFile: file, mixOverrides: overrides });
    const base = PINNED[0].files;
    expect(sha(readFileSync(join(dir, "log.jsonl")))).not.toBe(base["log.jsonl"]);
    const m = readManifest(dir);
    expect(m?.mix).toBe("standard");
    expect(manifestMix(m!)).toEqual(mix);
    expect(manifestMix(m!)).not.toEqual(STANDARD_MIX);
    // a right top is drawn from 0.70–0.99 and now decides whatever its p: more sessions decided
    const decided = (d: string) =>
      readFileSync(join(d, "truth.jsonl"), "utf8")
        .trim()
        .split("\n")
        .filter((l) => (JSON.parse(l) as { decidable: boolean }).decidable).length;
    expect(decided(dir)).toBeGreaterThan(decided(join(root, "standard-7")));
  });

  it("an empty mix file writes the default log", () => {
    const file = join(root, "empty.json");
    writeFileSync(file, "{}\n");
    const dir = write("empty", readMixFile(file, HARD_MIX).mix, 8);
    expect(sha(readFileSync(join(dir, "log.jsonl")))).toBe(PINNED[1].files["log.jsonl"]);
  });

  it("a broken mix file is refused with the file's name and the problems", () => {
    const bad = join(root, "bad.json");
    writeFileSync(bad, JSON.stringify({ sensors: { visionMissP: "low", lookalike: 0.1 } }));
    expect(() => readMixFile(bad, STANDARD_MIX)).toThrow(
      new RegExp(
        `^mix file ${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(on top of the standard mix\\):\n {2}sensors\\.visionMissP: Expected number, received string\n {2}sensors\\.lookalike: unknown key`,
      ),
    );
    const notJson = join(root, "not.json");
    writeFileSync(notJson, '{"sensors": {');
    expect(() => readMixFile(notJson, STANDARD_MIX)).toThrow(/is not valid JSON: line 1, column 14/);
    expect(() => readMixFile(join(root, "missing.json"), STANDARD_MIX)).toThrow(/cannot read mix file/);
  });
});
