/**
 * What the meetings of hands behind walk-out reviews were, in the hands-throughout simulator
 * (`--hands-always`, docs/walkout.md "fifth pass"): runs the simulator and the fusion in one
 * process as `walkout-causes.ts` does (same receipts and reviews), keeps every track reading, and
 * for every meeting a review names ("possible hand-over between shoppers A and B …") looks at the
 * two hands' readings while they were close (within the fusion's 0.3 m and 0.4 s):
 *
 * - "real hand-over": the simulator's trace has a hand-over between the two;
 * - "held out": both hands held out towards each other (hand-meeting.ts' test, its defaults) at
 *   two readings or more: the simulator's gestures where nothing passes (hands held out at the
 *   midpoint, 1.05 m high), or units carried at hip height by shoppers facing each other closely;
 * - "raised, not held out": both hands ≥ 0.95 m at two readings or more, not towards each other
 *   (units carried at the side);
 * - "hanging": anything else — idle hands of shoppers standing side by side.
 *
 * With the camera check's best outcome and its probability as the review states it, and how many
 * reviewed visits name only meetings of a kind (what a meeting test that ignored that kind would
 * take out of review, everything else equal). Analysis only: it changes nothing.
 *
 *   npx tsx src/eval/walkout-meetings.ts --seed 1 --visits 300 [--data DIR] [--held-out-meetings]
 */
import { join, resolve } from "node:path";
import { defaultDataDir } from "../adapters/demo/data-dir";
import { parseCatalog } from "../adapters/files/catalog-file";
import { readAutocheckoutStore } from "../adapters/importers/autocheckout";
import { WalkoutStreams } from "../app/walkout-stream/walkout-stream";
import type { BasketEvent } from "../domain/basket/basket.events";
import { sequentialIds } from "../domain/shared/ids";
import { DEFAULT_HAND_MEETING, heldOutToEachOther } from "../domain/walkout/hand-meeting";
import { simulateWalkout } from "../sim/walkout/walkout-sim";

type Reading = { t: number; x: number; y: number; hand: [number, number, number] };
type Kind = "real hand-over" | "held out" | "raised, not held out" | "hanging";
const KINDS: Kind[] = ["hanging", "held out", "raised, not held out", "real hand-over"];

export interface MeetingReport {
  visits: number;
  reviewed: number;
  /** reviewed visits whose review names at least one meeting */
  naming: number;
  /** … and nothing else */
  namingOnly: number;
  handovers: number;
  /**
   * meeting pairs per kind: count, close readings (median; `single`: pairs with one), body
   * distance at them (median), outcomes
   */
  kinds: Record<
    Kind,
    { pairs: number; readings: number; single: number; body: number; outcomes: Record<string, number> }
  >;
  /** reviewed visits naming only meetings, all of them of the kinds listed */
  onlyHanging: number;
  onlyNotHeldOut: number;
  onlyNoHandover: number;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
};

export function walkoutMeetings(o: {
  seed: number;
  visits: number;
  dataDir: string;
  heldOutMeetings?: boolean;
}): MeetingReport {
  const store = readAutocheckoutStore(join(o.dataDir, "autocheckout-cps-test-01"));
  const parsed = parseCatalog(store.catalog);
  if (!parsed.ok) throw new Error("invalid catalog");
  const ws = new WalkoutStreams({
    catalog: parsed.catalog,
    layout: store.layout,
    ids: sequentialIds(),
    store: "sim",
    ...(o.heldOutMeetings ? { config: { handoffHeldOut: DEFAULT_HAND_MEETING } } : {}),
  });
  const tracks = new Map<string, Reading[]>();
  const events = new Map<string, BasketEvent[]>();
  const handoffs = new Set<string>();
  let reviewed = 0;
  simulateWalkout(
    {
      catalog: parsed.catalog,
      layout: store.layout,
      visits: o.visits,
      seed: o.seed,
      store: "sim",
      handsAlways: true,
      trace: (a) => {
        if (a.kind.startsWith("handoff→"))
          handoffs.add([a.shopper, a.kind.slice("handoff→".length)].sort().join("|"));
      },
    },
    (e) => {
      if (e.type === "track" && e.hand) {
        const l = tracks.get(e.shopper) ?? [];
        l.push({ t: e.t, x: e.x, y: e.y, hand: e.hand });
        tracks.set(e.shopper, l);
      }
      const r = ws.ingest(e);
      for (const { session, events: es } of r.events)
        events.set(session, [...(events.get(session) ?? []), ...es]);
      for (const { session } of r.ended ?? []) {
        const st = ws.basket(session)!;
        if (st.cases.size > 0 || st.resolvedCases.length > 0) reviewed++;
        ws.release(session);
      }
    },
    () => {},
  );

  // every meeting a review names, with the camera check's outcome as the reason states it
  const outcome = new Map<string, string>();
  const named: { pairs: string[]; other: boolean }[] = [];
  for (const evs of events.values()) {
    const rr = evs.find((e) => e.type === "ReviewRequested");
    if (rr?.type !== "ReviewRequested") continue;
    const pairs: string[] = [];
    let rest = "";
    for (const seg of rr.reason.split(/(?=possible hand-over between shoppers )/)) {
      const m = /^possible hand-over between shoppers (\S+) and (\S+) \(/.exec(seg);
      if (!m) {
        rest += seg;
        continue;
      }
      const key = [m[1], m[2]].sort().join("|");
      pairs.push(key);
      const best = /best: (.+?), (\d+) %\)\)/.exec(seg);
      const p = best ? Number(best[2]) : 0;
      outcome.set(
        key,
        best
          ? `${best[1].startsWith("nothing") ? "nothing passed" : "an item passed"} ${p < 70 ? "< 70" : p < 90 ? "70-89" : "90-94"} %`
          : seg.includes("did not read either hand")
            ? "neither hand read"
            : "not checked by the exit",
      );
      // a meeting's own parentheses end it; what follows is another reason
      rest += seg.replace(
        /^possible hand-over between shoppers \S+ and \S+ \((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)/,
        "",
      );
    }
    if (pairs.length) named.push({ pairs, other: rest.replace(/[;\s]/g, "").length > 0 });
  }

  // the two hands' readings while within the fusion's 0.3 m and 0.4 s
  const close = (key: string) => {
    const [a, b] = key.split("|");
    const B = tracks.get(b) ?? [];
    const out: { body: number; raised: boolean; heldOut: boolean }[] = [];
    let j = 0;
    for (const p of tracks.get(a) ?? []) {
      while (j < B.length && B[j].t < p.t - 400) j++;
      for (let k = j; k < B.length && B[k].t <= p.t + 400; k++) {
        const q = B[k];
        if (Math.hypot(p.hand[0] - q.hand[0], p.hand[1] - q.hand[1], p.hand[2] - q.hand[2]) > 0.3) continue;
        out.push({
          body: Math.hypot(p.x - q.x, p.y - q.y),
          raised: p.hand[2] >= 0.95 && q.hand[2] >= 0.95,
          heldOut: heldOutToEachOther(p, q),
        });
        break;
      }
    }
    return out;
  };
  const kindOf = new Map<string, Kind>();
  const kinds = Object.fromEntries(
    KINDS.map((k) => [
      k,
      { pairs: 0, readings: [] as number[], body: [] as number[], outcomes: {} as Record<string, number> },
    ]),
  ) as Record<Kind, { pairs: number; readings: number[]; body: number[]; outcomes: Record<string, number> }>;
  for (const [key, out] of outcome) {
    const c = close(key);
    const kind: Kind = handoffs.has(key)
      ? "real hand-over"
      : c.filter((x) => x.heldOut).length >= 2
        ? "held out"
        : c.filter((x) => x.raised).length >= 2
          ? "raised, not held out"
          : "hanging";
    kindOf.set(key, kind);
    const k = kinds[kind];
    k.pairs++;
    k.readings.push(c.length);
    k.body.push(...c.map((x) => x.body));
    k.outcomes[out] = (k.outcomes[out] ?? 0) + 1;
  }
  const only = (ok: (k: Kind) => boolean) =>
    named.filter((v) => !v.other && v.pairs.every((p) => ok(kindOf.get(p)!))).length;
  return {
    visits: events.size,
    reviewed,
    naming: named.length,
    namingOnly: named.filter((v) => !v.other).length,
    handovers: handoffs.size,
    kinds: Object.fromEntries(
      KINDS.map((k) => [
        k,
        {
          pairs: kinds[k].pairs,
          readings: median(kinds[k].readings),
          single: kinds[k].readings.filter((n) => n === 1).length,
          body: median(kinds[k].body),
          outcomes: kinds[k].outcomes,
        },
      ]),
    ) as MeetingReport["kinds"],
    onlyHanging: only((k) => k === "hanging"),
    onlyNotHeldOut: only((k) => k === "hanging" || k === "raised, not held out"),
    onlyNoHandover: only((k) => k !== "real hand-over"),
  };
}

function main(argv: string[]): void {
  const arg = (name: string, dflt: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
  };
  const seed = Number(arg("--seed", "1"));
  const heldOutMeetings = argv.includes("--held-out-meetings");
  const r = walkoutMeetings({
    seed,
    visits: Number(arg("--visits", "300")),
    dataDir: resolve(arg("--data", defaultDataDir())),
    heldOutMeetings,
  });
  console.log(
    `seed ${seed} (hands always)${heldOutMeetings ? " (held-out meetings)" : ""}: ${r.reviewed} of ${r.visits} visits reviewed; ` +
      `${r.naming} name a meeting (${r.namingOnly} nothing else); simulator hand-over pairs ${r.handovers}`,
  );
  console.log("meeting pairs named, by the hands' readings while close:");
  for (const k of KINDS) {
    const x = r.kinds[k];
    if (!x.pairs) continue;
    const outs = Object.entries(x.outcomes)
      .sort((a, b) => b[1] - a[1])
      .map(([o, n]) => `${n} ${o}`)
      .join(", ");
    console.log(
      `  ${String(x.pairs).padStart(3)}  ${k} (close readings median ${x.readings}, ${x.single} pairs with one; bodies ${x.body.toFixed(2)} m apart): ${outs}`,
    );
  }
  console.log("reviewed visits naming only meetings, every one of them:");
  console.log(`  hanging                                ${r.onlyHanging}`);
  console.log(`  hanging or raised, not held out        ${r.onlyNotHeldOut}`);
  console.log(`  anything but a real hand-over          ${r.onlyNoHandover}`);
}

if (process.argv[1]?.endsWith("walkout-meetings.ts")) main(process.argv.slice(2));
