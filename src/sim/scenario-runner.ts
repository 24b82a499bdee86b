/**
 * Runs one scripted scenario: the cart simulator plays its steps (with the mix's scale noise),
 * every line goes through a Replayer (CartStreams + fusion + pricing) in the loop, and the
 * shopper answers prompts as the scenario says. Returns the receipt and the truth.
 */
import type { Catalog } from "../domain/catalog/product";
import type { CartEvent, ReceiptLine } from "../domain/events/sensor-events";
import type { StoreSettings } from "../domain/store/store-settings";
import { Replayer } from "../eval/replay";
import { CartSimulator, type SessionOutcome } from "./cart-sim";
import { simCatalog } from "./planner";
import { mixByName, withPerfectCamera } from "./profile";
import { answerPrompt } from "./responder";
import { rngFor } from "./rng";
import { type Scenario, scenarioActions } from "./scenario";

export interface ScenarioRun {
  receipt?: ReceiptLine & { answered?: number };
  outcome: SessionOutcome;
  lines: CartEvent[];
}

export function runScenario(sc: Scenario, catalog: Catalog, settings: StoreSettings): ScenarioRun {
  const base = mixByName(sc.mix)!;
  const mix = sc.camera === "perfect" ? withPerfectCamera(base) : base;
  const rp = new Replayer({ catalog, settings, timing: false });
  const sim = new CartSimulator({
    store: "scenario",
    cart: "cart-01",
    sc: simCatalog(catalog),
    mix,
    rng: rngFor(sc.seed, "sensors"),
    answerRng: rngFor(sc.seed, "answers"),
    startT: Date.UTC(2026, 0, 5, 9, 0, 0),
    sink: (e) => rp.ingest(e),
    responder: answerPrompt,
  });
  const actions = scenarioActions(sc, catalog, mix, rngFor(sc.seed, "units"));
  const outcome = sim.runSession({
    session: "scenario-1",
    account: sc.account,
    actions,
    answers: sc.answers,
  });
  const lines = sim.takeLines();
  return { receipt: rp.finish()[0], outcome, lines };
}
