/**
 * scripts/camera-requirement.ts: the evidence bound of a simulated camera setting (no fusion).
 */
import { describe, expect, it } from "vitest";
import {
  type CameraRow,
  cameraBound,
  cameraOf,
  describeChange,
  formatReasons,
  formatRow,
  requirementByTarget,
  requirementHtml,
  settingsGrid,
  settingsOneAtATime,
} from "../../scripts/camera-requirement";
import { loadDemoCatalog } from "../../src/adapters/demo/demo-catalog";
import { HARD_MIX, STANDARD_MIX } from "../../src/sim/profile";

const catalog = loadDemoCatalog();

describe("camera requirement", () => {
  it("a camera that never confuses and separates right from confused leaves fewer undecided stops, same seed", () => {
    const o = { catalog, sessions: 120, seed: 7 };
    const own = cameraBound(STANDARD_MIX, {}, o);
    const better = cameraBound(STANDARD_MIX, { lookalikeConfusionP: 0, confusedTopPMax: 0.7 }, o);
    expect(own.setting).toEqual({
      lookalikeConfusionP: 0.05,
      confusedTopPMax: 0.85,
      visionMissP: 0.03,
      randomConfusionP: 0.005,
      phantomPerStop: 0.03,
      childMissP: 0.5,
    });
    expect(own.sessions).toBe(120);
    expect(better.k).toBeLessThan(own.k);
    expect(better.answering.reviewsPer1000).toBeLessThan(own.answering.reviewsPer1000);
    expect(better.answering.pctRightNoHuman).toBeGreaterThan(own.answering.pctRightNoHuman);
    // the standard mix's answering targets, the bound's figure in each
    expect(own.checks.map((c) => [c.key, c.op, c.target])).toEqual([
      ["pctRightNoHuman", "≥", 99.5],
      ["reviewsPer1000", "≤", 10],
      ["promptsPerSession", "≤", 0.2],
    ]);
    const prompts = own.checks.find((c) => c.key === "promptsPerSession")!;
    expect(prompts.value).toBe(own.k);
    expect(prompts.se).toBeGreaterThan(0);
    expect(prompts.reachable).toBe(own.k <= 0.2);
    expect(formatRow(own)).toMatch(/^standard\s+5 %\s+0\.85\s+3 %\s+0\.5 %\s+3 %\s+50 %/);
  });

  it("the hard mix is held to its own targets, and a broken setting is refused", () => {
    const r = cameraBound(HARD_MIX, { visionMissP: 0.01 }, { catalog, sessions: 20, seed: 8 });
    expect(r.checks.map((c) => c.key)).toEqual(["reviewsPer1000"]);
    expect(r.setting.visionMissP).toBe(0.01);
    expect(() => cameraBound(HARD_MIX, { confusedTopPMax: 0.3 }, { catalog, sessions: 5, seed: 8 })).toThrow(
      /confusedTopPMin \(0\.45\) is above sensors\.confusedTopPMax \(0\.3\)/,
    );
  });

  it("grids the axes and finds the largest confusion rate that reaches each target", () => {
    const grid = settingsGrid({
      confusion: [0.05, 0],
      bandMax: [0.85, 0.7],
      miss: [0.03],
      random: [0.005],
      phantom: [0.03, 0],
      childMiss: [0.5],
    });
    expect(grid).toHaveLength(8);
    expect(grid[0]).toEqual({
      lookalikeConfusionP: 0.05,
      confusedTopPMax: 0.85,
      visionMissP: 0.03,
      randomConfusionP: 0.005,
      phantomPerStop: 0.03,
      childMissP: 0.5,
    });
    expect(grid[7]).toMatchObject({ lookalikeConfusionP: 0, confusedTopPMax: 0.7, phantomPerStop: 0 });
    const row = (conf: number, band: number, reachable: boolean): CameraRow =>
      ({
        mix: "hard",
        setting: {
          lookalikeConfusionP: conf,
          confusedTopPMax: band,
          visionMissP: 0.01,
          randomConfusionP: 0,
          phantomPerStop: 0.1,
          childMissP: 0.6,
        },
        k: 0.5,
        checks: [
          { key: "reviewsPer1000", op: "≤", target: 50, value: reachable ? 40 : 60, se: 1, reachable },
        ],
      }) as CameraRow;
    const rows = [
      row(0.05, 0.85, false),
      row(0, 0.85, false),
      row(0.05, 0.7, false),
      row(0.02, 0.7, true),
      row(0, 0.7, true),
    ];
    expect(requirementByTarget(rows)).toEqual([
      {
        mix: "hard",
        key: "reviewsPer1000",
        confusedTopPMax: 0.85,
        visionMissP: 0.01,
        randomConfusionP: 0,
        phantomPerStop: 0.1,
        childMissP: 0.6,
        maxConfusion: undefined,
      },
      {
        mix: "hard",
        key: "reviewsPer1000",
        confusedTopPMax: 0.7,
        visionMissP: 0.01,
        randomConfusionP: 0,
        phantomPerStop: 0.1,
        childMissP: 0.6,
        maxConfusion: 0.02,
      },
    ]);
    const html = requirementHtml(rows, "t");
    expect(html).toContain("<svg");
    expect(html).toContain("target ≤ 50");
    expect(html).not.toMatch(/<script/);
    // a bar per setting, labelled by what differs from the hard mix's own camera
    expect(html).toContain(">confusion 5 %, band ≤ 0.70, miss 1 %, random 0 %<");
  });

  it("varies one parameter at a time from the own camera, and names what changed", () => {
    const own = cameraOf(STANDARD_MIX.sensors);
    const one = settingsOneAtATime(own, {
      confusion: [0.05, 0],
      bandMax: [0.7],
      miss: [0],
      random: [],
      phantom: [0, 0],
      childMiss: [0.5],
    });
    // the own camera, then confusion 0, band 0.70, miss 0, phantom 0 (0.05, 0.5 and the repeated 0 add nothing)
    expect(one).toHaveLength(5);
    expect(one[0]).toEqual(own);
    expect(one.map((s) => describeChange(s, own))).toEqual([
      "own camera",
      "confusion 0 %",
      "band ≤ 0.70",
      "miss 0 %",
      "phantom 0 %",
    ]);
    for (const s of one.slice(1))
      expect(Object.values(s).filter((v, i) => v !== Object.values(own)[i])).toHaveLength(1);
  });

  it("a camera that never shows an empty hand decides a bag seen blank (session 8's label)", () => {
    const o = { catalog, sessions: 150, seed: 7 };
    const own = cameraBound(STANDARD_MIX, {}, o);
    const noPhantom = cameraBound(STANDARD_MIX, { phantomPerStop: 0 }, o);
    expect(noPhantom.setting.phantomPerStop).toBe(0);
    expect(own.reasons["personal item or unseen product"]).toBeGreaterThan(0);
    expect(noPhantom.reasons["personal item or unseen product"] ?? 0).toBeLessThan(
      own.reasons["personal item or unseen product"],
    );
    expect(noPhantom.k).toBeLessThan(own.k);
    expect(formatReasons(own)).toMatch(/personal item or unseen product \d+\.\d/);
  });
});
