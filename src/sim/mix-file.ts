/**
 * A mix file: overrides on top of a named mix (`skiplane sim --mix standard --mix-file cam.json`),
 * any field of SensorProfile or ShopperProfile, so a camera (or a cart, or a kind of shopper)
 * other than the two built-in mixes can be simulated without editing profile.ts:
 *
 * ```json
 * { "description": "a camera that confuses look-alikes 1 % of the time",
 *   "sensors": { "lookalikeConfusionP": 0.01, "confusedTopPMax": 0.75 },
 *   "shoppers": { "actions": { "produce": 20 } } }
 * ```
 *
 * Checked with zod at the edge: an unknown key (a typo, or a field under the wrong profile), a
 * wrong type or a value out of range is refused with its path; ranges are checked on the mix the
 * overrides make (min ≤ max, right + wrong answers ≤ 1). The overrides are written to sim.json
 * (`mixOverrides`), so `skiplane eval --answering` re-simulates the same shoppers on the same
 * sensors (`manifestMix`).
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { formatJsonSyntaxError, parseJsonText } from "../adapters/files/json-syntax";
import { mixByName, type SensorProfile, type ShopperProfile, type SimMix } from "./profile";

const prob = z.number().min(0).max(1);
const nonNeg = z.number().min(0);
const positive = z.number().positive();

/** every SensorProfile field and what it may hold (`satisfies`: a new field must be added here) */
const sensorFields = {
  hz: z.number().int().positive(),
  noiseSdG: nonNeg,
  quantumG: positive,
  motionNoiseSdG: nonNeg,
  driftSdGPerMin: nonNeg,
  settleTauS: positive,
  swingHz: nonNeg,
  swingFrac: prob,
  unitSdFloorG: nonNeg,
  unitSdFactor: nonNeg,
  visionMissP: prob,
  childMissP: prob,
  lookalikeConfusionP: prob,
  randomConfusionP: prob,
  rightTopPMin: prob,
  rightTopPMax: prob,
  confusedTopPMin: prob,
  confusedTopPMax: prob,
  wrongDirP: prob,
  unknownDirP: prob,
  phantomPerStop: prob,
  scanGarbleP: prob,
  scanDoubleP: prob,
  heartbeatS: positive,
} satisfies Record<keyof SensorProfile, z.ZodTypeAny>;

const actionFields = {
  one: nonNeg,
  several: nonNeg,
  two: nonNeg,
  takeOut: nonNeg,
  produce: nonNeg,
  bag: nonNeg,
  child: nonNeg,
} satisfies Record<keyof ShopperProfile["actions"], z.ZodTypeAny>;

const shopperFields = {
  actionsMin: z.number().int().min(1),
  actionsMax: z.number().int().min(1),
  actions: z.object(actionFields).partial().strict(),
  scanP: prob,
  labelP: prob,
  forgetPluP: prob,
  leanP: prob,
  bumpP: prob,
  answerRightP: prob,
  answerWrongP: prob,
  answerDelayMinS: nonNeg,
  answerDelayMaxS: nonNeg,
} satisfies Record<keyof ShopperProfile, z.ZodTypeAny>;

const overridesSchema = z
  .object({
    description: z.string().optional(),
    sensors: z.object(sensorFields).partial().strict().optional(),
    shoppers: z.object(shopperFields).partial().strict().optional(),
  })
  .strict();

export type MixOverrides = z.infer<typeof overridesSchema>;

const KNOWN: Record<string, string[]> = {
  "": ["description", "sensors", "shoppers"],
  sensors: Object.keys(sensorFields),
  shoppers: Object.keys(shopperFields),
  "shoppers.actions": Object.keys(actionFields),
};

/** what to say of an unknown key at `path`: where it belongs, or the known key it nearly spells */
function unknownKeyHint(path: string, key: string): string {
  const lower = key.toLowerCase();
  const here = KNOWN[path] ?? [];
  const near = here.find((k) => k.toLowerCase() === lower || editDistance(k.toLowerCase(), lower) <= 2);
  if (near) return ` (did you mean ${near}?)`;
  for (const [where, keys] of Object.entries(KNOWN)) {
    if (where === path || where === "") continue;
    const k = keys.find((x) => x.toLowerCase() === lower);
    if (k) return ` (${k} belongs under ${where})`;
  }
  return ` (known: ${here.join(", ")})`;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length];
}

function formatIssues(issues: z.ZodIssue[]): string[] {
  const out: string[] = [];
  for (const i of issues) {
    const path = i.path.join(".");
    if (i.code === "unrecognized_keys") {
      for (const k of i.keys)
        out.push(`${path ? `${path}.` : ""}${k}: unknown key${unknownKeyHint(path, k)}`);
    } else {
      out.push(`${path || "(root)"}: ${i.message}`);
    }
  }
  return out;
}

/** the mix the overrides make on top of `base` (key order kept: the planner draws actions in it) */
export function applyMixOverrides(base: SimMix, o: MixOverrides): SimMix {
  const { actions, ...shoppers } = o.shoppers ?? {};
  return {
    name: base.name,
    sensors: { ...base.sensors, ...o.sensors },
    shoppers: { ...base.shoppers, ...shoppers, actions: { ...base.shoppers.actions, ...actions } },
  };
}

/** what is wrong with a whole mix: ranges the simulator draws from, answer rates */
function mixProblems(m: SimMix): string[] {
  const out: string[] = [];
  const order = (group: "sensors" | "shoppers", lo: string, hi: string) => {
    const g = m[group] as unknown as Record<string, number>;
    if (g[lo] > g[hi]) out.push(`${group}.${lo} (${g[lo]}) is above ${group}.${hi} (${g[hi]})`);
  };
  order("sensors", "rightTopPMin", "rightTopPMax");
  order("sensors", "confusedTopPMin", "confusedTopPMax");
  order("shoppers", "actionsMin", "actionsMax");
  order("shoppers", "answerDelayMinS", "answerDelayMaxS");
  const sh = m.shoppers;
  if (sh.answerRightP + sh.answerWrongP > 1 + 1e-12)
    out.push(
      `shoppers.answerRightP + shoppers.answerWrongP is ${sh.answerRightP + sh.answerWrongP}, more than 1`,
    );
  if (!Object.values(sh.actions).some((w) => w > 0)) out.push("shoppers.actions: every weight is 0");
  return out;
}

export type MixOverridesResult =
  | { ok: true; mix: SimMix; overrides: MixOverrides }
  | { ok: false; problems: string[] };

/** checks `data` as overrides on top of `base` and builds the mix */
export function parseMixOverrides(data: unknown, base: SimMix): MixOverridesResult {
  const r = overridesSchema.safeParse(data);
  if (!r.success) return { ok: false, problems: formatIssues(r.error.issues) };
  const mix = applyMixOverrides(base, r.data);
  const problems = mixProblems(mix);
  return problems.length ? { ok: false, problems } : { ok: true, mix, overrides: r.data };
}

/** reads a mix file; throws an Error naming the file and every problem found */
export function readMixFile(path: string, base: SimMix): { mix: SimMix; overrides: MixOverrides } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read mix file ${path}: ${(err as Error).message}`);
  }
  const j = parseJsonText(text);
  if (!j.ok) throw new Error(`mix file ${path} is not valid JSON: ${formatJsonSyntaxError(j)}`);
  const r = parseMixOverrides(j.data, base);
  if (!r.ok)
    throw new Error(`mix file ${path} (on top of the ${base.name} mix):\n  ${r.problems.join("\n  ")}`);
  return { mix: r.mix, overrides: r.overrides };
}

/**
 * The mix a simulation manifest (sim.json) names: `mix` with its `mixOverrides`, if any.
 * Undefined for an unknown mix name; throws when the overrides are broken.
 */
export function manifestMix(m: { mix: string; mixOverrides?: unknown }): SimMix | undefined {
  const base = mixByName(m.mix);
  if (!base || m.mixOverrides === undefined) return base;
  const r = parseMixOverrides(m.mixOverrides, base);
  if (!r.ok) throw new Error(`sim.json: mixOverrides:\n  ${r.problems.join("\n  ")}`);
  return r.mix;
}
