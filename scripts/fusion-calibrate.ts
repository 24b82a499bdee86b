/**
 * Fit the camera calibration fusion uses (FusionConfig.visionCalibration, visionListedShare) on a
 * labelled log: DIR/log.jsonl with DIR/truth.jsonl (a simulated store, or a recorded one whose
 * receipts were checked). A real store refits this on its own camera; the defaults in
 * fusion.config.ts come from simulated seeds that are never used for the evaluation figures.
 *
 * Labelling: a sighting going `in` with at least one candidate is "top-1 right" when its first
 * candidate is in the session's true basket (items or weighed goods), "wrong" otherwise; for a
 * wrong one that lists candidates below its top, "true product listed" when a lower-ranked
 * candidate is in the basket (fusion uses visionListedShare only for such sightings: a top listed
 * alone leaves nothing lower to share, so counting those wrongs as "not listed" priced the
 * unlisted look-alikes of a sighting that does list lower at 27 % instead of 3 %). Sightings of
 * personal items and empty hands label as wrong — which is what they are for fusion too. Sessions
 * with any sighting going `out` are left out: a product taken out again is not in the final
 * basket, so its sightings would be labelled wrong.
 *
 * Fit: top-1 p in bins of 0.05, right rate with add-one smoothing, made monotone (pool adjacent
 * violators), printed as [p, P(top-1 right)] points at the bin centres.
 *
 * Run: npx tsx scripts/fusion-calibrate.ts DIR [DIR ...]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LOG_FILES, scriptCommand, storeDir } from "./script-command";

const dirs = scriptCommand("fusion-calibrate", "Fits the camera calibration fusion uses on labelled logs.")
  .argument("<dir...>", "stores with a log and its truth (skiplane sim --out DIR)")
  .parse()
  .args.map((d) => storeDir("fusion-calibrate", d, LOG_FILES));
const BIN = 0.05;
const nb = Math.round(1 / BIN);
/** two tables: the top candidate has look-alikes in the catalog, or not */
const right = [new Float64Array(nb), new Float64Array(nb)];
const total = [new Float64Array(nb), new Float64Array(nb)];
let wrong = 0;
let wrongLower = 0;
let wrongListed = 0;
for (const dir of dirs) {
  const cat = JSON.parse(readFileSync(join(dir, "catalog.json"), "utf8")) as {
    products: { sku: string; lookalikes?: string[] }[];
  };
  const hasLook = new Set(cat.products.filter((p) => (p.lookalikes ?? []).length > 0).map((p) => p.sku));
  const truth = new Map<string, Set<string>>();
  for (const line of readFileSync(join(dir, "truth.jsonl"), "utf8").split("\n")) {
    if (!line) continue;
    const t = JSON.parse(line) as {
      session: string;
      items: { sku: string; qty: number }[];
      weighed?: { sku: string }[];
    };
    truth.set(t.session, new Set([...t.items.map((i) => i.sku), ...(t.weighed ?? []).map((w) => w.sku)]));
  }
  const current = new Map<string, string>();
  const lines = readFileSync(join(dir, "log.jsonl"), "utf8").split("\n");
  const withOut = new Set<string>();
  for (const line of lines) {
    if (!line.includes('"session') && !line.includes('"out"')) continue;
    const e = JSON.parse(line) as { type: string; cart: string; session?: string; dir?: string };
    if (e.type === "session.start" && e.session) current.set(e.cart, e.session);
    else if (e.type === "vision" && e.dir === "out") {
      const s = current.get(e.cart);
      if (s) withOut.add(s);
    }
  }
  current.clear();
  for (const line of lines) {
    if (!line.includes('"session') && !line.includes('"vision"')) continue;
    const e = JSON.parse(line) as {
      type: string;
      cart: string;
      session?: string;
      dir?: string;
      candidates?: { sku: string; p: number }[];
    };
    if (e.type === "session.start" && e.session) current.set(e.cart, e.session);
    else if (e.type === "session.end") current.delete(e.cart);
    else if (e.type === "vision" && e.dir === "in" && e.candidates && e.candidates.length > 0) {
      const s = current.get(e.cart);
      const basket = s && !withOut.has(s) ? truth.get(s) : undefined;
      if (!basket) continue;
      const p = e.candidates[0].p;
      const b = Math.min(nb - 1, Math.max(0, Math.floor(p / BIN)));
      const k = hasLook.has(e.candidates[0].sku) ? 1 : 0;
      total[k][b]++;
      if (basket.has(e.candidates[0].sku)) right[k][b]++;
      else if (p >= 0.4) {
        // a confusion of merchandise (lower p: empty hands and personal items)
        wrong++;
        if (e.candidates.length > 1) {
          wrongLower++;
          if (e.candidates.slice(1).some((c) => basket.has(c.sku))) wrongListed++;
        }
      }
    }
  }
}
function fit(right: Float64Array, total: Float64Array, label: string): [number, number][] {
  // pool adjacent violators over the smoothed rates, weighted by counts
  const blocks: { w: number; v: number; from: number; to: number }[] = [];
  for (let b = 0; b < nb; b++) {
    if (total[b] === 0) continue;
    blocks.push({ w: total[b] + 2, v: (right[b] + 1) / (total[b] + 2), from: b, to: b });
    while (blocks.length > 1 && blocks[blocks.length - 2].v > blocks[blocks.length - 1].v) {
      const y = blocks.pop()!;
      const x = blocks.pop()!;
      blocks.push({ w: x.w + y.w, v: (x.v * x.w + y.v * y.w) / (x.w + y.w), from: x.from, to: y.to });
    }
  }
  const points: [number, number][] = [];
  for (const bl of blocks)
    for (let b = bl.from; b <= bl.to; b++)
      if (total[b] > 0) points.push([Number(((b + 0.5) * BIN).toFixed(3)), Number(bl.v.toFixed(4))]);
  console.log(`${label}\nbin        n   right  rate   fitted`);
  for (let b = 0; b < nb; b++) {
    if (total[b] === 0) continue;
    const fit = points.find((x) => Math.abs(x[0] - (b + 0.5) * BIN) < 1e-9)?.[1];
    console.log(
      `${(b * BIN).toFixed(2)}-${((b + 1) * BIN).toFixed(2)} ${String(total[b]).padStart(6)} ${String(right[b]).padStart(6)}  ${(right[b] / total[b]).toFixed(3)}  ${fit}`,
    );
  }
  return points;
}
const plain = fit(right[0], total[0], "top candidate without look-alikes");
const look = fit(right[1], total[1], "\ntop candidate with look-alikes");
console.log(
  `\ntop-1 wrong (p ≥ 0.4): ${wrong}; listing candidates below the top: ${wrongLower}, the true product among them: ${wrongListed} (${(wrongListed / wrongLower).toFixed(3)})`,
);
console.log(`visionCalibration: ${JSON.stringify(plain)}`);
console.log(`visionCalibrationLookalike: ${JSON.stringify(look)}`);
console.log(`visionListedShare: ${((wrongListed + 1) / (wrongLower + 2)).toFixed(3)}`);
