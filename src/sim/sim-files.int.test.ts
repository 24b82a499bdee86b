import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadDemoCatalog } from "../adapters/demo/demo-catalog";
import { HARD_MIX } from "./profile";
import { writeSimulation } from "./sim-files";

const root = mkdtempSync(join(tmpdir(), "skiplane-sim-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("writeSimulation", () => {
  it("same seed ⇒ byte-identical log, truth and catalog files", () => {
    const catalog = loadDemoCatalog();
    const write = (dir: string, seed: number) =>
      writeSimulation(join(root, dir), { catalog, mix: HARD_MIX, sessions: 50, seed, carts: 7 }, catalog, {
        seed,
        sessions: 50,
        carts: 7,
        mix: "hard",
        answering: false,
        store: "sim-store",
        catalogSource: "demo",
      });
    write("a", 7);
    write("b", 7);
    write("c", 8);
    for (const f of ["log.jsonl", "truth.jsonl", "catalog.json", "sim.json"]) {
      expect(readFileSync(join(root, "b", f))).toEqual(readFileSync(join(root, "a", f)));
    }
    expect(
      readFileSync(join(root, "c", "log.jsonl")).equals(readFileSync(join(root, "a", "log.jsonl"))),
    ).toBe(false);
    const truth = readFileSync(join(root, "a", "truth.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(truth).toHaveLength(50);
    expect(JSON.parse(truth[0])).toHaveProperty("decidable");
  });

  it("tells a progress callback of every session and writes the same bytes with it", () => {
    const catalog = loadDemoCatalog();
    const calls: [number, number][] = [];
    const write = (dir: string, onSession?: (done: number, total: number) => void) =>
      writeSimulation(
        join(root, dir),
        { catalog, mix: HARD_MIX, sessions: 30, seed: 5, carts: 4 },
        catalog,
        {
          seed: 5,
          sessions: 30,
          carts: 4,
          mix: "hard",
          answering: false,
          store: "sim-store",
          catalogSource: "demo",
        },
        onSession,
      );
    write("quiet");
    write("told", (done, total) => calls.push([done, total]));
    expect(calls).toEqual(Array.from({ length: 30 }, (_, i) => [i + 1, 30]));
    for (const f of ["log.jsonl", "truth.jsonl", "catalog.json", "sim.json"])
      expect(readFileSync(join(root, "told", f))).toEqual(readFileSync(join(root, "quiet", f)));
  });
});
