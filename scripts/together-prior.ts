/**
 * What shoppers take together, from the one real record of it: the hand-labelled AutoCheckout
 * events (ground-truth-v14.json, 46 competition cases). Counts the pick-ups by what one hand
 * took at once and prints the ratio the fusion's `extraProductPrior` stands for
 * (docs/fusion-model.md §3 "Priors", §6).
 *
 * One labelled event is one pick-up (`putback` 0) or put-back (`putback` 1) at one shelf
 * position, with the products the labeller saw move (`observation.products`, one entry per
 * unit: two units of one product are its entry twice). A pick-up is
 *  - "one unit": one entry;
 *  - "several units of one product": two or more entries, all the same product id;
 *  - "several products": entries of two or more different product ids;
 *  - "unlabelled": no entry (the labeller could not name it); left out.
 * Put-backs are counted apart (a hand putting back is not what goes into a cart).
 *
 * The fusion scores a change of k units of one product with extraUnitPrior^(k−1) and k units of
 * d different products with extraUnitPrior^(k−1) · extraProductPrior^(d−1): at the same unit
 * count, a mixture of two products against several units of one is extraProductPrior to 1, so
 * the measured ratio (several products) / (several units of one) is the figure for
 * extraProductPrior with extraUnitPrior left as it is.
 *
 * Run: npx tsx scripts/together-prior.ts   (SKIPLANE_DATA_DIR overrides ../shared/data)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_FUSION_CONFIG } from "../src/domain/fusion/fusion.config";
import { sharedDataScript } from "./script-command";

const dataDir = sharedDataScript(
  "together-prior",
  "Counts what shoppers take together in the labelled AutoCheckout events.",
);

interface LabelledEvent {
  eventID: number;
  putback: number;
  observation: {
    products: { id: string; name: string; weight: number }[];
    time: string;
    note?: string;
  };
}
interface LabelledCase {
  dataset: string;
  events: LabelledEvent[];
}

const file = join(dataDir, "autocheckout-cps-test-01", "ground-truth-v14.json");
const cases = (JSON.parse(readFileSync(file, "utf8")) as { lists: LabelledCase[] }).lists;

type Kind = "one unit" | "several units of one product" | "several products" | "unlabelled";
const kindOf = (e: LabelledEvent): Kind => {
  const ids = e.observation.products.map((p) => p.id);
  if (ids.length === 0) return "unlabelled";
  if (ids.length === 1) return "one unit";
  return new Set(ids).size === 1 ? "several units of one product" : "several products";
};

const pickups = new Map<Kind, LabelledEvent[]>();
const putbacks = new Map<Kind, number>();
const where = new Map<LabelledEvent, string>();
let events = 0;
for (const c of cases) {
  for (const e of c.events) {
    events++;
    where.set(e, c.dataset);
    const k = kindOf(e);
    if (e.putback === 0) pickups.set(k, [...(pickups.get(k) ?? []), e]);
    else putbacks.set(k, (putbacks.get(k) ?? 0) + 1);
  }
}
const n = (k: Kind) => pickups.get(k)?.length ?? 0;
const labelled = n("one unit") + n("several units of one product") + n("several products");

console.log(`${file}`);
console.log(`${cases.length} cases, ${events} labelled events`);
console.log(
  `pick-ups: ${labelled + n("unlabelled")} (${n("unlabelled")} with no product named, left out), ${labelled} counted:`,
);
for (const k of ["one unit", "several units of one product", "several products"] as Kind[]) {
  console.log(`  ${k}: ${n(k)}`);
  if (k === "one unit") continue;
  for (const e of pickups.get(k) ?? []) {
    const names = e.observation.products.map((p) => p.name);
    console.log(`    ${where.get(e)} #${e.eventID}: ${names.join(" + ")}`);
  }
}
console.log(
  `put-backs: ${[...putbacks.entries()].map(([k, v]) => `${v} ${k}`).join(", ")} (not counted: not what goes in)`,
);
const notes = [...pickups.values()]
  .flat()
  .filter((e) => /two|2 items|several/i.test(e.observation.note ?? "") && kindOf(e) === "one unit");
for (const e of notes) {
  console.log(
    `  note on a one-unit pick-up: ${where.get(e)} #${e.eventID} ${e.observation.products.map((p) => p.name).join(", ")}: "${e.observation.note}" (counted as labelled: one unit)`,
  );
}

const mixes = n("several products");
const counts = n("several units of one product");
const ratio = mixes / counts;
// a Wilson 95 % interval on the share of mixtures among the multi-item pick-ups, turned into a ratio
const m = mixes + counts;
const p = mixes / m;
const z = 1.96;
const mid = (p + (z * z) / (2 * m)) / (1 + (z * z) / m);
const half = (z * Math.sqrt((p * (1 - p)) / m + (z * z) / (4 * m * m))) / (1 + (z * z) / m);
const toRatio = (s: number) => s / (1 - s);
console.log(
  `several products / several units of one: ${mixes} / ${counts} = ${ratio.toFixed(2)} ` +
    `(95 % interval ${toRatio(mid - half).toFixed(2)}–${toRatio(mid + half).toFixed(2)}, Wilson, on ${m} pick-ups)`,
);
console.log(
  `fusion: extraUnitPrior ${DEFAULT_FUSION_CONFIG.extraUnitPrior}, extraProductPrior ${DEFAULT_FUSION_CONFIG.extraProductPrior}: ` +
    `"X + Y" against "2 × X" = ${DEFAULT_FUSION_CONFIG.extraProductPrior} (the measured figure: ${ratio.toFixed(2)})`,
);
console.log(
  `several items at once: ${m} of ${labelled} pick-ups (${((100 * m) / labelled).toFixed(1)} %; not used ` +
    "for extraUnitPrior: shelf pick-ups, not cart drops)",
);
