/**
 * Dev aid (helper 84): re-simulates DIR with fusion as sink (nobody answering), and writes per
 * session the stops: action, the sensor lines the stop sent (sightings, reads), the simulator's
 * undecidable reasons, and fusion's prompts mapped to the stop whose weight step came last before.
 * Run: npx tsx scripts/label-audit.ts DIR OUT.jsonl
 */
import { writeFileSync } from "node:fs";
import { perCartIds } from "../src/app/cart-stream/cart-stream";
import type { BasketEvent, Evidence } from "../src/domain/basket/basket.events";
import type { CartEvent } from "../src/domain/events/sensor-events";
import { createCartFusion } from "../src/domain/fusion/cart-fusion";
import type { CartFusion } from "../src/domain/fusion/fusion.types";
import { sequentialIds } from "../src/domain/shared/ids";
import { loadDirCatalog, readManifest } from "../src/eval/evaluate";
import type { Action, SessionPlan } from "../src/sim/actions";
import { CartSimulator } from "../src/sim/cart-sim";
import { mixByName } from "../src/sim/profile";
import { simulate } from "../src/sim/simulator";

const [dir, out] = process.argv.slice(2);
const m = readManifest(dir);
if (!m) throw new Error("sim.json missing");
const mix = mixByName(m.mix)!;
const catalog = loadDirCatalog(dir);
const noFusion = process.argv.includes("--no-fusion");

interface Stop {
  i: number;
  action: Action;
  firstStep?: number;
  lines: string[];
  prompts: string[];
}
interface Run {
  plan: SessionPlan;
  stops: Stop[];
  pre: string[];
}
const current = new Map<string, Run>();
const proto = CartSimulator.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
const origRun = proto.runSession;
const origStep = proto.step;
const origSend = proto.send;
const rows: string[] = [];
proto.runSession = function (this: { o: { cart: string } }, plan: unknown) {
  const p = plan as SessionPlan;
  const run: Run = {
    plan: p,
    stops: p.actions.map((action, i) => ({ i, action, lines: [], prompts: [] })),
    pre: [],
  };
  current.set(this.o.cart, run);
  const r = origRun.call(this, plan) as { undecidable: string[]; truth: { decidable: boolean } };
  current.delete(this.o.cart);
  rows.push(
    JSON.stringify({
      session: p.session,
      decidable: r.truth.decidable,
      reasons: r.undecidable,
      pre: run.pre,
      stops: run.stops.map((s) => ({
        i: s.i + 1,
        a: describe(s.action),
        lines: s.lines,
        prompts: s.prompts,
      })),
    }),
  );
  return r;
};
const pendingSteps = new Map<string, number[]>();
proto.step = function (this: { o: { cart: string } }, t: unknown, delta: unknown, f: unknown) {
  const xs = pendingSteps.get(this.o.cart) ?? [];
  xs.push(t as number);
  pendingSteps.set(this.o.cart, xs);
  return origStep.call(this, t, delta, f);
};
proto.send = function (this: { o: { cart: string } }, t: unknown, e: unknown, stopIndex: unknown) {
  const run = current.get(this.o.cart);
  const i = stopIndex as number;
  if (run && i >= 0) {
    const s = run.stops[i];
    const xs = pendingSteps.get(this.o.cart) ?? [];
    if (xs.length) {
      s.firstStep = Math.min(s.firstStep ?? Number.POSITIVE_INFINITY, ...xs);
      pendingSteps.set(this.o.cart, []);
    }
    const ev = e as {
      type: string;
      dir?: string;
      candidates?: { sku: string; p: number }[];
      code?: string;
      plu?: string;
    };
    if (ev.type === "vision")
      s.lines.push(`v${ev.dir}[${(ev.candidates ?? []).map((c) => `${c.sku} ${c.p}`).join(", ")}]`);
    if (ev.type === "barcode") s.lines.push(`scan ${ev.code}`);
    if (ev.type === "plu") s.lines.push(`plu ${ev.plu}`);
  }
  return origSend.call(this, t, e, stopIndex);
};

const ids = perCartIds(sequentialIds());
const fusions = new Map<string, CartFusion>();
const lineEv = new Map<string, Evidence>();
const sink = (e: CartEvent): BasketEvent[] => {
  if (!("cart" in e)) return [];
  let f = fusions.get(e.cart);
  if (!f) {
    f = createCartFusion({ catalog, ids: ids(e.cart), store: e.store, cart: e.cart });
    fusions.set(e.cart, f);
  }
  const r = f.ingest(e);
  const run = current.get(e.cart);
  for (const be of r.events) {
    if (be.type === "ItemAdded" || be.type === "ItemRemoved") lineEv.set(be.lineId, be.evidence);
    if (be.type === "PromptRaised" && run) {
      const ev = lineEv.get(be.prompt.lineIds[0] ?? "");
      const text = ev
        ? `${be.prompt.kind}: ${ev.summary} [${ev.hypotheses
            .slice(0, 4)
            .map((h) => `${h.label} ${h.posterior}`)
            .join(" | ")}]`
        : `${be.prompt.kind}: ${be.prompt.text}`;
      let stop: Stop | undefined;
      for (const s of run.stops) if (s.firstStep !== undefined && s.firstStep <= be.at) stop = s;
      (stop ? stop.prompts : run.pre).push(text);
    }
  }
  return r.events;
};
simulate(
  {
    catalog,
    mix,
    sessions: m.sessions,
    seed: m.seed,
    carts: m.carts,
    store: m.store,
    sink: noFusion ? undefined : sink,
  },
  () => {},
  () => {},
);
writeFileSync(out, `${rows.join("\n")}\n`);

function describe(a: Action): string {
  switch (a.kind) {
    case "add":
      return `add ${a.units.map((u) => `${u.sku} ${u.grams.toFixed(1)}`).join(" + ")}${a.units.length > 1 ? (a.together ? " TOGETHER" : " APART") : ""}${a.scan ? " scanned" : ""}${a.child ? " child" : ""}`;
    case "remove":
      return `remove ${a.units.map((u) => `${u.sku} ${u.grams.toFixed(1)}`).join(" + ")}`;
    case "produce":
      return `produce ${a.sku} ${a.grams} ${a.entry}`;
    case "bag":
      return `bag ${a.grams} g`;
    case "bag-out":
      return "bag-out";
    case "lean":
      return `lean ${a.grams}`;
    case "bump":
      return `bump ${a.grams}`;
  }
}
