/**
 * Answering mode compares fusions by re-simulating the same shoppers with each fusion in the loop,
 * so what fusion asks at one stop must not re-draw the rest of the session: the scale's samples
 * while the shopper reads a prompt come from their own generator, each stop's answers from one
 * derived from the session and the stop (not from a stream earlier answers consumed), and the
 * scale's drift pauses while the shopper answers (src/sim/cart-sim.ts `answerPrompts`).
 */
import { describe, expect, it } from "vitest";
import type { BasketEvent } from "../domain/basket/basket.events";
import type { CartEvent } from "../domain/events/sensor-events";
import type { Action } from "./actions";
import { CartSimulator, type PromptResponder } from "./cart-sim";
import { catalog, missingCamera } from "./one-cart.test-support";
import { simCatalog } from "./planner";
import { rngFor } from "./rng";

const add = (sku: string): Action => ({
  kind: "add",
  units: [{ sku, grams: catalog.bySku.get(sku)!.weight!.mean }],
  together: true,
  scan: false,
});

// the shopper's answer carries one draw of the answer generator it was given
const responder: PromptResponder = ({ prompt, rng }) => [
  { type: "answer", prompt: prompt.id, choice: rng.next().toFixed(12) },
];

/**
 * One answering session of three stops with a stand-in fusion that asks at the camera's sightings
 * numbered in `askAt` (one sighting per stop here). Returns the lines after stop 2's last action,
 * with times relative to it and without ids (a prompt earlier shifts both).
 */
function tail(seed: number, askAt: number[]): { lines: unknown[]; answers: string[] } {
  let sightings = 0;
  const sink = (e: CartEvent): BasketEvent[] => {
    if (e.type !== "vision") return [];
    sightings++;
    if (!askAt.includes(sightings)) return [];
    const prompt = { id: `p-${sightings}`, kind: "confirm-removal" as const, text: "?", lineIds: [] };
    return [{ type: "PromptRaised", at: e.t, prompt } as BasketEvent];
  };
  const sim = new CartSimulator({
    store: "st",
    cart: "cart-01",
    sc: simCatalog(catalog),
    mix: missingCamera(0),
    rng: rngFor(seed, "sensors"),
    answerRng: rngFor(seed, "answers"),
    startT: Date.UTC(2026, 0, 5, 9, 0, 0),
    sink,
    responder,
  });
  sim.runSession({
    session: "s-1",
    actions: [add("reynolds-wrap"), add("windex-original"), add("dawn-dish-liquid")],
    answers: "right",
  });
  const from = sim.stopActionTimes()[1];
  const lines = sim
    .takeLines()
    .filter((e) => e.t > from)
    .map(({ id: _id, t, ...rest }) => ({ ...rest, t: t - from }));
  const answers = lines.flatMap((e) => ("choice" in e && e.type === "answer" ? [String(e.choice)] : []));
  return { lines, answers };
}

describe("answering: common random numbers across fusions", () => {
  it("a prompt more or less at stop 1 leaves stop 3's sensor lines and answers unchanged", () => {
    for (const seed of [1, 2, 3]) {
      const asked = tail(seed, [1, 3]);
      const notAsked = tail(seed, [3]);
      expect(asked.answers).toHaveLength(1);
      expect(notAsked.answers).toEqual(asked.answers);
      expect(notAsked.lines.some((e) => (e as { type: string }).type === "vision")).toBe(true);
      expect(notAsked.lines).toEqual(asked.lines);
    }
  });
});
