/**
 * Scripted scenarios: one shopping session as a small readable text file, run through the same
 * cart simulator (scale noise and all), CartStreams and pricing as everything else.
 *
 *   # a comment
 *   title Two lagers and bananas
 *   seed 3                      sensor noise seed (default 1)
 *   mix standard                scale noise of the mix (default standard)
 *   camera perfect|realistic    perfect (default): the camera sees every item right unless a line
 *                               says otherwise; realistic: misses and confusions as in the mix
 *   answers right|wrong|none    how the shopper answers prompts (default right)
 *   drop 2 lager-12oz-can [scan] [unseen] [seen-as SKU] [one-by-one]
 *   drop kit-kat-king-size + rolo        two different products at once
 *   scan 1 rolo                 = drop 1 rolo scan
 *   child rolo [seen]           a child drops it in (unseen unless `seen`)
 *   take 1 rolo out [unseen] [seen-as SKU]
 *   weigh bananas 612g [plu [CODE]] [plu-after] [label]    (no entry word: nothing keyed)
 *   bag 450g [unseen]           a personal bag/coat goes in;  bag-out  takes the last one out
 *   lean 2500g [4s]             leaning on the handle;  bump 300g
 *   expect items lager-12oz-can x2, rolo x1      (or: expect items none)
 *   expect weighed bananas 612g
 *   expect total 539            exact, or ~N for within 2 %
 *   expect review no|yes
 *   expect prompts N
 */
import type { Catalog } from "../domain/catalog/product";
import type { Action, AnswerStyle } from "./actions";
import { drawUnit } from "./planner";
import type { SimMix } from "./profile";
import type { Rng } from "./rng";

export interface ScenarioExpect {
  items?: { sku: string; qty: number }[];
  weighed?: { sku: string; grams: number }[];
  total?: { value: number; approx: boolean };
  review?: boolean;
  prompts?: number;
}

/** a scripted step before unit weights are drawn */
export type ScenarioStep =
  | {
      kind: "add";
      skus: { sku: string; qty: number }[];
      together: boolean;
      scan: boolean;
      child: boolean;
      unseen: boolean;
      seenAs?: string;
    }
  | { kind: "remove"; sku: string; qty: number; unseen: boolean; seenAs?: string }
  | {
      kind: "produce";
      sku: string;
      grams: number;
      entry: "plu-before" | "plu-after" | "label" | "none";
      pluCode?: string;
    }
  | { kind: "bag"; grams: number; unseen: boolean }
  | { kind: "bag-out" }
  | { kind: "lean"; grams: number; seconds: number }
  | { kind: "bump"; grams: number };

export interface Scenario {
  title: string;
  seed: number;
  mix: "standard" | "hard";
  camera: "perfect" | "realistic";
  answers: AnswerStyle;
  account?: string;
  steps: ScenarioStep[];
  expect: ScenarioExpect;
}

export class ScenarioError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "ScenarioError";
  }
}

const GRAMS = /^(\d+(?:\.\d+)?)g$/;

export function parseScenario(text: string, catalog: Catalog): Scenario {
  const sc: Scenario = {
    title: "",
    seed: 1,
    mix: "standard",
    camera: "perfect",
    answers: "right",
    steps: [],
    expect: {},
  };
  const lines = text.split("\n");
  lines.forEach((raw, i) => {
    const n = i + 1;
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) return;
    const [word, ...rest] = line.split(/\s+/);
    const fail = (msg: string): never => {
      throw new ScenarioError(n, msg);
    };
    const sku = (s: string | undefined): string => {
      if (!s) return fail("a product sku is missing");
      if (!catalog.bySku.has(s)) return fail(`unknown product ${s}`);
      return s;
    };
    const count = (s: string | undefined): number => {
      if (!s || !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 50)
        return fail(`expected a count 1–50, got ${s ?? "nothing"}`);
      return Number(s);
    };
    const grams = (s: string | undefined): number => {
      const m = s ? GRAMS.exec(s) : null;
      if (!m) return fail(`expected a weight like 450g, got ${s ?? "nothing"}`);
      return Number(m[1]);
    };
    const flags = (xs: string[], allowed: string[]) => {
      const out = new Map<string, string | true>();
      for (let k = 0; k < xs.length; k++) {
        const f = xs[k];
        if (!allowed.includes(f)) fail(`unknown word ${f} (expected one of: ${allowed.join(", ")})`);
        if (f === "seen-as") out.set(f, sku(xs[++k]));
        else if (f === "plu" && xs[k + 1] && /^\d{4,5}$/.test(xs[k + 1])) out.set(f, xs[++k]);
        else out.set(f, true);
      }
      return out;
    };
    switch (word) {
      case "title":
        sc.title = rest.join(" ");
        break;
      case "seed":
        sc.seed = count(rest[0]);
        break;
      case "mix":
        if (rest[0] !== "standard" && rest[0] !== "hard") fail("mix is standard or hard");
        sc.mix = rest[0] as "standard" | "hard";
        break;
      case "camera":
        if (rest[0] !== "perfect" && rest[0] !== "realistic") fail("camera is perfect or realistic");
        sc.camera = rest[0] as "perfect" | "realistic";
        break;
      case "answers":
        if (!["right", "wrong", "none"].includes(rest[0])) fail("answers is right, wrong or none");
        sc.answers = rest[0] as AnswerStyle;
        break;
      case "start":
        if (rest[0] === "account") sc.account = rest[1] ?? fail("account id missing");
        break;
      case "drop":
      case "scan": {
        if (rest.includes("+")) {
          const parts = rest
            .join(" ")
            .split("+")
            .map((s) => s.trim().split(/\s+/));
          const skus = parts.map((p) => ({ sku: sku(p[0]), qty: 1 }));
          const f = flags(
            parts.flatMap((p) => p.slice(1)),
            ["scan", "unseen"],
          );
          sc.steps.push({
            kind: "add",
            skus,
            together: true,
            scan: word === "scan" || f.has("scan"),
            child: false,
            unseen: f.has("unseen"),
          });
        } else {
          const qty = count(rest[0]);
          const s = sku(rest[1]);
          const f = flags(rest.slice(2), ["scan", "unseen", "seen-as", "one-by-one"]);
          sc.steps.push({
            kind: "add",
            skus: [{ sku: s, qty }],
            together: !f.has("one-by-one"),
            scan: word === "scan" || f.has("scan"),
            child: false,
            unseen: f.has("unseen"),
            ...(f.has("seen-as") ? { seenAs: f.get("seen-as") as string } : {}),
          });
        }
        break;
      }
      case "child": {
        const s = sku(rest[0]);
        const f = flags(rest.slice(1), ["seen"]);
        sc.steps.push({
          kind: "add",
          skus: [{ sku: s, qty: 1 }],
          together: true,
          scan: false,
          child: true,
          unseen: !f.has("seen"),
        });
        break;
      }
      case "take": {
        const qty = count(rest[0]);
        const s = sku(rest[1]);
        const f = flags(rest.slice(2), ["out", "unseen", "seen-as"]);
        sc.steps.push({
          kind: "remove",
          sku: s,
          qty,
          unseen: f.has("unseen"),
          ...(f.has("seen-as") ? { seenAs: f.get("seen-as") as string } : {}),
        });
        break;
      }
      case "weigh": {
        const s = sku(rest[0]);
        if (catalog.bySku.get(s)!.soldBy !== "weight") fail(`${s} is not sold by weight`);
        const g = grams(rest[1]);
        const f = flags(rest.slice(2), ["plu", "plu-after", "label"]);
        const entry = f.has("label")
          ? "label"
          : f.has("plu-after")
            ? "plu-after"
            : f.has("plu")
              ? "plu-before"
              : "none";
        const code = f.get("plu");
        sc.steps.push({
          kind: "produce",
          sku: s,
          grams: g,
          entry,
          ...(typeof code === "string" ? { pluCode: code } : {}),
        });
        break;
      }
      case "bag":
        sc.steps.push({
          kind: "bag",
          grams: grams(rest[0]),
          unseen: flags(rest.slice(1), ["unseen"]).has("unseen"),
        });
        break;
      case "bag-out":
        sc.steps.push({ kind: "bag-out" });
        break;
      case "lean": {
        const secs = rest[1] ? /^(\d+(?:\.\d+)?)s$/.exec(rest[1]) : null;
        if (rest[1] && !secs) fail(`expected a duration like 4s, got ${rest[1]}`);
        sc.steps.push({ kind: "lean", grams: grams(rest[0]), seconds: secs ? Number(secs[1]) : 3 });
        break;
      }
      case "bump":
        sc.steps.push({ kind: "bump", grams: grams(rest[0]) });
        break;
      case "expect":
        parseExpect(rest, sc.expect, fail, sku, count, grams);
        break;
      default:
        fail(`unknown instruction ${word}`);
    }
  });
  if (!sc.title) sc.title = "untitled scenario";
  return sc;
}

function parseExpect(
  rest: string[],
  e: ScenarioExpect,
  fail: (m: string) => never,
  sku: (s: string | undefined) => string,
  count: (s: string | undefined) => number,
  grams: (s: string | undefined) => number,
): void {
  const [what, ...args] = rest;
  switch (what) {
    case "items": {
      e.items = [];
      if (args.join(" ") === "none") return;
      for (const part of args.join(" ").split(",")) {
        const [s, x] = part.trim().split(/\s+/);
        if (!x || !/^x\d+$/.test(x)) fail(`expected "sku xN", got "${part.trim()}"`);
        e.items.push({ sku: sku(s), qty: count(x.slice(1)) });
      }
      return;
    }
    case "weighed":
      e.weighed = [...(e.weighed ?? []), { sku: sku(args[0]), grams: grams(args[1]) }];
      return;
    case "total": {
      const m = /^(~?)(\d+)$/.exec(args[0] ?? "");
      if (!m) fail("expected total N or ~N (minor units)");
      e.total = { value: Number(m![2]), approx: m![1] === "~" };
      return;
    }
    case "review":
      if (args[0] !== "yes" && args[0] !== "no") fail("expected review yes|no");
      e.review = args[0] === "yes";
      return;
    case "prompts":
      e.prompts = args[0] === "0" ? 0 : count(args[0]);
      return;
    default:
      fail(`unknown expectation ${what}`);
  }
}

/** Turn the scripted steps into simulator actions (drawing each unit's real weight). */
export function scenarioActions(sc: Scenario, catalog: Catalog, mix: SimMix, rng: Rng): Action[] {
  const actions: Action[] = [];
  const inCart: { sku: string; grams: number }[] = [];
  let bags: string[] = [];
  sc.steps.forEach((st, i) => {
    switch (st.kind) {
      case "add": {
        const units = st.skus.flatMap((x) =>
          Array.from({ length: x.qty }, () => drawUnit(catalog.bySku.get(x.sku)!, mix, rng)),
        );
        inCart.push(...units);
        actions.push({
          kind: "add",
          units,
          together: st.together,
          scan: st.scan,
          ...(st.child ? { child: true } : {}),
          sensors: { unseen: st.unseen, ...(st.seenAs ? { seenAs: st.seenAs } : {}) },
        });
        break;
      }
      case "remove": {
        const units = [];
        for (let k = 0; k < st.qty; k++) {
          const j = inCart.findIndex((u) => u.sku === st.sku);
          if (j < 0) throw new Error(`step ${i + 1}: cannot take ${st.sku} out, it is not in the cart`);
          units.push(inCart.splice(j, 1)[0]);
        }
        actions.push({
          kind: "remove",
          units,
          sensors: { unseen: st.unseen, ...(st.seenAs ? { seenAs: st.seenAs } : {}) },
        });
        break;
      }
      case "produce":
        actions.push({
          kind: "produce",
          sku: st.sku,
          grams: st.grams,
          entry: st.entry,
          ...(st.pluCode ? { pluCode: st.pluCode } : {}),
        });
        break;
      case "bag": {
        const tag = `bag${i}`;
        bags = [...bags, tag];
        actions.push({ kind: "bag", grams: st.grams, tag, sensors: { unseen: st.unseen } });
        break;
      }
      case "bag-out": {
        const tag = bags[bags.length - 1];
        if (!tag) throw new Error(`step ${i + 1}: no bag in the cart to take out`);
        bags = bags.slice(0, -1);
        actions.push({ kind: "bag-out", tag });
        break;
      }
      case "lean":
        actions.push({ kind: "lean", grams: st.grams, seconds: st.seconds });
        break;
      case "bump":
        actions.push({ kind: "bump", grams: st.grams });
        break;
    }
  });
  return actions;
}
