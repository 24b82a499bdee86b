import { describe, expect, it } from "vitest";
import { applyMixOverrides, manifestMix, parseMixOverrides } from "./mix-file";
import { HARD_MIX, STANDARD_MIX } from "./profile";

describe("mix file overrides", () => {
  it("a good file overrides only the fields it names, on top of the mix given", () => {
    const r = parseMixOverrides(
      {
        description: "a better camera",
        sensors: { lookalikeConfusionP: 0.01, confusedTopPMax: 0.7 },
        shoppers: { answerRightP: 0.85, actions: { produce: 20 } },
      },
      HARD_MIX,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.mix.name).toBe("hard");
    expect(r.mix.sensors).toEqual({ ...HARD_MIX.sensors, lookalikeConfusionP: 0.01, confusedTopPMax: 0.7 });
    expect(r.mix.shoppers).toEqual({
      ...HARD_MIX.shoppers,
      answerRightP: 0.85,
      actions: { ...HARD_MIX.shoppers.actions, produce: 20 },
    });
    // the planner draws action kinds in key order: an override keeps it
    expect(Object.keys(r.mix.shoppers.actions)).toEqual(Object.keys(HARD_MIX.shoppers.actions));
    expect(HARD_MIX.sensors.lookalikeConfusionP).toBe(0.2);
  });

  it("an empty file is the mix itself", () => {
    const r = parseMixOverrides({}, STANDARD_MIX);
    expect(r.ok && r.mix).toEqual(STANDARD_MIX);
  });

  it("refuses an unknown key, naming its path and what it nearly spells or where it belongs", () => {
    const r = parseMixOverrides(
      { sensors: { lookalikeConfusionp: 0.01, scanP: 0.5 }, camera: {} },
      STANDARD_MIX,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(
      expect.arrayContaining([
        "sensors.lookalikeConfusionp: unknown key (did you mean lookalikeConfusionP?)",
        "sensors.scanP: unknown key (scanP belongs under shoppers)",
        expect.stringMatching(/^camera: unknown key \(known: description, sensors, shoppers\)$/),
      ]),
    );
    const nested = parseMixOverrides({ shoppers: { actions: { jump: 3 } } }, STANDARD_MIX);
    expect(!nested.ok && nested.problems[0]).toMatch(/^shoppers\.actions\.jump: unknown key/);
  });

  it("refuses a wrong type or a value out of range, with its path", () => {
    const r = parseMixOverrides(
      { sensors: { visionMissP: "3 %", hz: 20.5, lookalikeConfusionP: 1.5 }, shoppers: [] },
      STANDARD_MIX,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(
      expect.arrayContaining([
        "sensors.visionMissP: Expected number, received string",
        expect.stringMatching(/^sensors\.hz: Expected integer/),
        expect.stringMatching(/^sensors\.lookalikeConfusionP: Number must be less than or equal to 1/),
        "shoppers: Expected object, received array",
      ]),
    );
    const notObject = parseMixOverrides([1], STANDARD_MIX);
    expect(!notObject.ok && notObject.problems).toEqual(["(root): Expected object, received array"]);
  });

  it("checks the ranges of the mix the overrides make", () => {
    const r = parseMixOverrides(
      { sensors: { confusedTopPMin: 0.9 }, shoppers: { answerWrongP: 0.2, actionsMax: 2 } },
      STANDARD_MIX,
    );
    expect(!r.ok && r.problems).toEqual([
      "sensors.confusedTopPMin (0.9) is above sensors.confusedTopPMax (0.85)",
      "shoppers.actionsMin (3) is above shoppers.actionsMax (2)",
      "shoppers.answerRightP + shoppers.answerWrongP is 1.1, more than 1",
    ]);
  });

  it("sim.json's mix: the named mix with its overrides, refused when they are broken", () => {
    expect(manifestMix({ mix: "standard" })).toBe(STANDARD_MIX);
    expect(manifestMix({ mix: "other" })).toBeUndefined();
    expect(manifestMix({ mix: "hard", mixOverrides: { sensors: { visionMissP: 0.01 } } })).toEqual(
      applyMixOverrides(HARD_MIX, { sensors: { visionMissP: 0.01 } }),
    );
    expect(() => manifestMix({ mix: "hard", mixOverrides: { sensors: { visionMisP: 0.01 } } })).toThrow(
      /sim\.json: mixOverrides:\n {2}sensors\.visionMisP: unknown key \(did you mean visionMissP\?\)/,
    );
  });
});
