/**
 * Dev aid (helper 84): re-simulates DIR with fusion as sink (nobody answering), and writes per
 * session the stops: action, the sensor lines the stop sent (sightings, reads), the simulator's
 * undecidable reasons, and fusion's prompts mapped to the stop whose weight step came last before.
 * Run: npx tsx scripts/label-audit.ts DIR OUT.jsonl [--no-fusion]
 */
import { writeFileSync } from "node:fs";
import { loadDirCatalog, readManifest, simulateManifest } from "../src/eval/evaluate";
import type { Action, SessionPlan } from "../src/sim/actions";
import { SIM_FILES, scriptCommand, storeDir } from "./script-command";
import { evidenceText, promptingSink, stopAt, type TracedStop, traceStops } from "./stop-trace";

const command = scriptCommand(
  "label-audit",
  "Writes each session's stops, sensor lines and prompts as JSON lines.",
)
  .argument("<dir>", "a simulated store (skiplane sim --out DIR)")
  .argument("<out>", "the JSON-lines file to write")
  .option("--no-fusion", "no fusion sink: the stops and lines only")
  .parse();
const dir = storeDir("label-audit", command.args[0], SIM_FILES);
const out = command.args[1];
const m = readManifest(dir);
if (!m) throw new Error("sim.json missing");
const catalog = loadDirCatalog(dir);
const noFusion = command.opts<{ fusion: boolean }>().fusion === false;

interface Stop extends TracedStop {
  prompts: string[];
}
interface Run {
  plan: SessionPlan;
  stops: Stop[];
  pre: string[];
}
const rows: string[] = [];
const current = traceStops<Stop, Run>({
  begin: (p) => ({
    plan: p,
    stops: p.actions.map((action, index) => ({ index, action, lines: [], prompts: [] })),
    pre: [],
  }),
  end: (run, r) => {
    rows.push(
      JSON.stringify({
        session: run.plan.session,
        decidable: r.truth.decidable,
        reasons: r.undecidable,
        pre: run.pre,
        stops: run.stops.map((s) => ({
          i: s.index + 1,
          a: describe(s.action),
          lines: s.lines,
          prompts: s.prompts,
        })),
      }),
    );
  },
});
const sink = promptingSink(catalog, (cart, be, ev) => {
  const run = current.get(cart);
  if (!run) return;
  const text = ev ? `${be.prompt.kind}: ${evidenceText(ev)}` : `${be.prompt.kind}: ${be.prompt.text}`;
  const stop = stopAt(run.stops, be.at);
  (stop ? stop.prompts : run.pre).push(text);
});
simulateManifest(m, catalog, { sink: noFusion ? undefined : sink });
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
