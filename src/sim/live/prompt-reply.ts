/**
 * A live shopper reading a prompt on the real cart screen. The screen (exchange-v1 §5) does not
 * say which lines a prompt is about, so the shopper goes by what they did: the most recent stop
 * that fits the prompt (a product among the options; a removal for "did you take something
 * out?"; produce for a PLU question), else whatever they did in the last 15 s, else nothing —
 * and then replies exactly as the offline simulator's shopper does (`answerPrompt`, responder.ts),
 * right, wrong or not at all with the mix's probabilities (`pickAnswerStyle`).
 */
import type { Action, AnswerStyle } from "../actions";
import { type PromptReply, pickAnswerStyle } from "../cart-sim";
import type { SimCatalog } from "../planner";
import type { ShopperProfile } from "../profile";
import { answerPrompt } from "../responder";
import type { Rng } from "../rng";
import { unitsAfter } from "./live-script";

/** A prompt as the §5 screen shows it. */
export interface ScreenPrompt {
  id: string;
  kind: "scan" | "choose" | "confirm-removal" | "plu";
  text: string;
  options?: { sku: string; name: string }[];
}

/** the same recall as the offline shopper: a prompt this long after an action is about nothing */
const RECALL_MS = 15_000;
/** how far back a prompt that names a product (or asks about a removal) is still connected */
const MATCH_MS = 120_000;

function skusOf(a: Action): string[] {
  switch (a.kind) {
    case "add":
    case "remove":
      return a.units.map((u) => u.sku);
    case "produce":
      return [a.sku];
    default:
      return [];
  }
}

function fits(prompt: ScreenPrompt, a: Action): boolean {
  const options = prompt.options ?? [];
  if (options.length > 0 && skusOf(a).some((s) => options.some((o) => o.sku === s))) return true;
  switch (prompt.kind) {
    case "confirm-removal":
      return a.kind === "remove" || a.kind === "bag-out";
    case "plu":
      return a.kind === "produce";
    default:
      return false;
  }
}

/** The stops (indexes into `actions`) a prompt seen at virtual time `at` is about, as the shopper thinks. */
export function stopsForPrompt(
  prompt: ScreenPrompt,
  actions: Action[],
  stopTimes: number[],
  at: number,
): number[] {
  const done: number[] = [];
  for (let i = 0; i < actions.length; i++) {
    const st = stopTimes[i];
    if (st === undefined || st > at) continue;
    if (actions[i].kind === "lean" || actions[i].kind === "bump") continue;
    done.push(i);
  }
  for (let j = done.length - 1; j >= 0; j--) {
    const i = done[j];
    if (at - stopTimes[i] > MATCH_MS) break;
    if (fits(prompt, actions[i])) return [i];
  }
  const last = done[done.length - 1];
  if (last !== undefined && at - stopTimes[last] <= RECALL_MS) return [last];
  return [];
}

export interface PromptDecision {
  style: "right" | "wrong" | "none";
  /** seconds (virtual) the shopper takes to answer */
  delayS: number;
  replies: PromptReply[];
}

/** How the shopper reacts to a prompt: whether, when and what they answer. */
export function decidePrompt(o: {
  prompt: ScreenPrompt;
  actions: Action[];
  stopTimes: number[];
  at: number;
  /** skus of the screen's unsure lines (what the cart is unsure about) */
  lineSkus: string[];
  answers: AnswerStyle;
  shoppers: ShopperProfile;
  catalog: SimCatalog;
  rng: Rng;
}): PromptDecision {
  const style = pickAnswerStyle(o.answers, o.shoppers, o.rng);
  const delayS = o.rng.uniform(o.shoppers.answerDelayMinS, o.shoppers.answerDelayMaxS);
  if (style === "none") return { style, delayS, replies: [] };
  const stops = stopsForPrompt(o.prompt, o.actions, o.stopTimes, o.at);
  const upTo = stops.length > 0 ? Math.max(...stops) : -1;
  const replies = answerPrompt({
    prompt: { ...o.prompt, lineIds: [] },
    actions: stops.map((i) => o.actions[i]),
    inCart: unitsAfter(o.actions, upTo),
    lineSkus: o.lineSkus,
    style,
    rng: o.rng,
    catalog: o.catalog,
  });
  return { style, delayS, replies };
}
