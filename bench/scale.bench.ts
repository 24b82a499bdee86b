/**
 * `npm run bench:scale` — clustered store servers on PostgreSQL and Mosquitto, 1, 2 and 4
 * processes. For each process count:
 *
 *  1. throughput: a backlog of shopping trips (one scale sample per message, 20 Hz device time)
 *     is queued in the stores' broker sessions while no server runs; then the servers start and
 *     drain it. events/s over the middle 80 % of receipts (server clock; start-up and tail
 *     excluded). CPU per event of the servers, PostgreSQL and Mosquitto from /proc over the
 *     whole drain (start-up included, so slightly pessimistic).
 *  2. latency: carts stream live at 20 Hz (below capacity); settle-to-screen = from publishing the
 *     event that caused a basket change (its id is the change's causation) to the next screen the
 *     cart receives; p50/p99 over the carts of stores that did not move (those are the takeover).
 *  3. takeover (2 and 4 processes): one process is SIGKILLed while carts stream; the time until
 *     its stores' events are stored again by their new owners.
 *
 * Uses a private PostgreSQL of this machine's installation (durable: fsync on; so the CPU figures
 * are its alone — the shared 127.0.0.1:5432 when initdb is missing) and a private Mosquitto. Options (env): BENCH_NODES="1,2,4",
 * BENCH_STORES=16, BENCH_CARTS=5 (per store, backlog), BENCH_ITEMS=5, BENCH_LIVE_CARTS=1 (per
 * store), BENCH_LIVE_SECONDS=12, BENCH_FSYNC=off (private PostgreSQL without fsync), BENCH_PROF_DIR;
 * each is also an option (--nodes, --stores, …; an option overrides its variable). --help: the options.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { Option } from "commander";
import mqtt from "mqtt";
import { amount, count, counts, scriptCommand } from "../scripts/script-command";
import { eventsTopic } from "../src/adapters/mqtt/topics";
import { TEST_PG_URL } from "../src/adapters/postgres/test-schema";
import { quantile, settleLatencies, startFleet, tripEvents, waitUntil } from "../test/scale/support/fleet";
import { startChain } from "../test/scale/support/harness";
import { startBroker, startPostgres, type TestPostgres } from "../test/scale/support/servers";

// parsed before anything runs (PostgreSQL, Mosquitto, the servers): --help and a usage error exit here
const opts = scriptCommand(
  "scale.bench",
  "Clustered store servers on PostgreSQL and Mosquitto: throughput, settle-to-screen latency and takeover per process count.",
)
  .addOption(
    new Option("--nodes <n[,n...]>", "store server process counts, one round each (takeover: 2 and more)")
      .argParser(counts(1))
      .default([1, 2, 4], "1,2,4")
      .env("BENCH_NODES"),
  )
  .addOption(
    new Option("--stores <n>", "stores (a count)").argParser(count(1)).default(16).env("BENCH_STORES"),
  )
  .addOption(
    new Option("--carts <n>", "backlog carts per store, one trip each (a count)")
      .argParser(count(1))
      .default(5)
      .env("BENCH_CARTS"),
  )
  .addOption(
    new Option("--items <n>", "items per backlog trip (a count)")
      .argParser(count(1))
      .default(5)
      .env("BENCH_ITEMS"),
  )
  .addOption(
    new Option("--live-carts <n>", "carts per store streaming live at 20 Hz (a count)")
      .argParser(count(1))
      .default(1)
      .env("BENCH_LIVE_CARTS"),
  )
  .addOption(
    new Option("--live-seconds <s>", "live streaming time, seconds (the takeover kill at half of it)")
      .argParser(amount(0, { above: true }))
      .default(12)
      .env("BENCH_LIVE_SECONDS"),
  )
  .addOption(
    new Option("--fsync <on|off>", "the private PostgreSQL's fsync (off: faster, not durable)")
      .choices(["on", "off"])
      .default("on")
      .env("BENCH_FSYNC"),
  )
  .addOption(
    new Option(
      "--prof-dir <dir>",
      "every server process writes a V8 CPU profile there when it stops (default: none)",
    ).env("BENCH_PROF_DIR"),
  )
  .addHelpText(
    "after",
    "\nRun: npm run bench:scale -- [options]   (or with the variables: BENCH_STORES=4 npm run bench:scale)",
  )
  .parse()
  .opts<{
    nodes: number[];
    stores: number;
    carts: number;
    items: number;
    liveCarts: number;
    liveSeconds: number;
    fsync: "on" | "off";
    profDir?: string;
  }>();
const NODES = opts.nodes;
const STORES = opts.stores;
const CARTS = opts.carts;
const ITEMS = opts.items;
const LIVE_CARTS = opts.liveCarts;
const LIVE_SECONDS = opts.liveSeconds;
const FSYNC = opts.fsync === "on";
const TICK = 100; // clock ticks per second (/proc stat units)
const PROF_DIR = opts.profDir;
/** the machine's 1-minute load average: how busy the shared VM was around a figure */
const load1 = () => loadavg()[0].toFixed(2);

function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICK;
  } catch {
    return 0;
  }
}
function pidsOf(name: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, "utf8").trim() === name) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}
const cpuOf = (pids: number[]) => pids.reduce((s, p) => s + cpuMs(p), 0);

interface Row {
  nodes: number;
  events: number;
  seconds: number;
  eventsPerSec: number;
  serverCpuMsPerEvent: number;
  pgCpuMsPerEvent: number;
  brokerCpuMsPerEvent: number;
  p50: number;
  p99: number;
  samples: number;
  takeoverMs?: number;
  rawBytesPerEvent: number;
  /** 1-minute load average before the backlog drain and right after it */
  loadBefore: string;
  loadAfter: string;
  /** PostgreSQL transactions committed per 1,000 events during the drain */
  commitsPerKEvents: number;
  /** stores per process when the drain ended */
  placement: string;
  /** stores that changed hands again during the drain (each move replays the store's open carts) */
  moves: number;
}

async function runFor(n: number, brokerUrl: string, db: TestPostgres): Promise<Row> {
  const tag = `b${n}`;
  const chain = await startChain({
    tag,
    databaseUrl: db.url,
    mqttUrl: brokerUrl,
    nodes: n,
    stores: STORES,
    cartsPerStore: CARTS,
    items: ITEMS,
    // the production defaults (cluster config)
    leaseTtlMs: 4000,
    renewMs: 1000,
    // BENCH_PROF_DIR: every server process writes a V8 CPU profile there when it stops
    ...(PROF_DIR ? { nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${PROF_DIR}`] } : {}),
  });
  try {
    // the stores' sessions exist at the broker once owned; then everyone stops (leases released)
    await chain.waitAllOwned(30_000);
    await Promise.all(chain.nodes.map((x) => x.stop()));
    chain.nodes.length = 0;

    // 1. backlog
    const trips = chain.trips(Date.UTC(2026, 10, 22, 8));
    let total = 0;
    await Promise.all(
      trips.map(async (t) => {
        const c = await mqtt.connectAsync(brokerUrl, {
          protocolVersion: 5,
          clientId: `bl-${tag}-${t.store}-${t.cart}`,
        });
        await Promise.all(
          t.events.map((e) => c.publishAsync(eventsTopic(t.store, t.cart), JSON.stringify(e), { qos: 1 })),
        );
        total += t.events.length;
        await c.endAsync();
      }),
    );
    // transactions PostgreSQL committed during the drain: how well each process's group commit
    // batches (fewer stores per process → fewer rows per transaction)
    const commits = async () =>
      Number(
        (
          await chain.pool.query<{ c: string }>(
            "SELECT xact_commit AS c FROM pg_stat_database WHERE datname = current_database()",
          )
        ).rows[0].c,
      );
    const commits0 = await commits();
    const epochs = async () =>
      Number(
        (await chain.pool.query<{ e: string }>("SELECT coalesce(sum(epoch), 0) AS e FROM leases")).rows[0].e,
      );
    const epochs0 = await epochs();
    const pgPidsAt = () => (db.restartable ? db.pids() : pidsOf("postgres"));
    const pgStart = new Map(pgPidsAt().map((p) => [p, cpuMs(p)]));
    const mqPids = pidsOf("mosquitto");
    const mq0 = cpuOf(mqPids);
    const loadBefore = load1();
    await Promise.all(Array.from({ length: n }, (_, i) => chain.startNode(`${tag}-n${i + 1}`)));
    const nodePids = chain.nodes.map((x) => x.child.pid as number);
    const node0 = cpuOf(nodePids);
    await waitUntil(
      async () => {
        const { rows } = await chain.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM raw_events");
        return rows[0].n >= total;
      },
      600_000,
      "the backlog to drain",
    );
    const nodeCpu = cpuOf(nodePids) - node0;
    const loadAfter = load1();
    const drainCommits = (await commits()) - commits0;
    // where the stores were during the drain, and how many changed hands (each move replays)
    const { rows: placed } = await chain.pool.query<{ owner: string; stores: number }>(
      "SELECT owner, count(*)::int AS stores FROM leases GROUP BY owner ORDER BY owner",
    );
    // every store is taken once when the processes start; anything more is a move
    const drainMoves = (await epochs()) - epochs0 - STORES;
    // backends started during the window count whole; the others by their growth
    const pgCpu = pgPidsAt().reduce((sum, p) => sum + cpuMs(p) - (pgStart.get(p) ?? 0), 0);
    const mqCpu = cpuOf(mqPids) - mq0;
    // the middle 80 % of receipts: start-up (processes coming up, placement) and tail excluded
    const { rows: w } = await chain.pool.query<{ a: string; b: string; n: number }>(
      `SELECT percentile_disc(0.1) WITHIN GROUP (ORDER BY received_at) AS a,
              percentile_disc(0.9) WITHIN GROUP (ORDER BY received_at) AS b, count(*)::int AS n
         FROM raw_events`,
    );
    let rawBytes = 0;
    for (const { relid } of (
      await chain.pool.query<{ relid: string }>(
        "SELECT inhrelid::regclass::text AS relid FROM pg_inherits WHERE inhparent = 'raw_events'::regclass",
      )
    ).rows) {
      rawBytes += Number(
        (await chain.pool.query<{ s: string }>("SELECT pg_total_relation_size($1) AS s", [relid])).rows[0].s,
      );
    }
    const seconds = (Number(w[0].b) - Number(w[0].a)) / 1000;
    const events = w[0].n;
    const windowEvents = Math.round(events * 0.8);

    // 2. live latency (+ 3. takeover)
    await chain.waitAllOwned(30_000);
    const liveTrips = chain.stores.flatMap((store) =>
      Array.from({ length: LIVE_CARTS }, (_, k) => {
        // cart ids are unique across the chain's stores (they are MQTT usernames)
        const cart = `${store}-live${k + 1}`;
        const session = `${cart}-live`;
        const items = Math.max(1, Math.floor((LIVE_SECONDS * 20 - 22) / 41));
        return {
          store,
          cart,
          session,
          events: tripEvents(store, cart, session, Date.UTC(2026, 10, 22, 9) + k, items, k),
        };
      }),
    );
    // a store lane takes events only of a cart provisioned in its store (provisioned-carts.ts)
    await chain.provision(liveTrips);
    const fleet = await startFleet({ url: brokerUrl, carts: liveTrips });
    let takeoverMs: number | undefined;
    let moved: string[] = [];
    if (n >= 2) {
      await new Promise((r) => setTimeout(r, (LIVE_SECONDS * 1000) / 2));
      const owners = await chain.owners();
      const victim = chain.nodes[0];
      moved = chain.stores.filter((s) => owners.get(s)?.owner === victim.name);
      const killedAt = Date.now();
      victim.kill();
      await waitUntil(
        async () => {
          const { rows } = await chain.pool.query<{ n: number }>(
            "SELECT count(DISTINCT store)::int AS n FROM raw_events WHERE store = ANY($1::text[]) AND received_at > $2",
            [moved, killedAt],
          );
          return rows[0].n === moved.length;
        },
        60_000,
        "the killed process's stores to be served again",
      );
      const { rows } = await chain.pool.query<{ t: string }>(
        `SELECT max(first) AS t FROM (SELECT store, min(received_at) AS first FROM raw_events
           WHERE store = ANY($1::text[]) AND received_at > $2 GROUP BY store) x`,
        [moved, killedAt],
      );
      takeoverMs = Number(rows[0].t) - killedAt;
    }
    await fleet.finished;
    await new Promise((r) => setTimeout(r, 3000));
    await fleet.stop();
    const { rows: causes } = await chain.pool.query<{ store: string; stream: string; causation: string }>(
      "SELECT store, stream, meta->>'causation' AS causation FROM events WHERE type = 'ItemAdded' AND stream LIKE '%-live'",
    );
    const byCart = new Map<string, Set<string>>();
    for (const c of causes) {
      const t = liveTrips.find((x) => `${x.store}/session/${x.session}` === c.stream);
      if (!t) continue;
      const k = `${t.store}/${t.cart}`;
      const set = byCart.get(k) ?? new Set<string>();
      set.add(c.causation.replace(/^id:/, ""));
      byCart.set(k, set);
    }
    // carts of the stores that moved wait for the takeover: reported as takeover, not latency
    const lat = settleLatencies(
      fleet.runs.filter((r) => !moved.includes(r.store)),
      byCart,
    );
    return {
      nodes: n,
      events,
      seconds,
      eventsPerSec: windowEvents / seconds,
      serverCpuMsPerEvent: nodeCpu / events,
      pgCpuMsPerEvent: pgCpu / events,
      brokerCpuMsPerEvent: mqCpu / events,
      p50: quantile(lat, 0.5),
      p99: quantile(lat, 0.99),
      samples: lat.length,
      takeoverMs,
      rawBytesPerEvent: rawBytes / events,
      loadBefore,
      loadAfter,
      commitsPerKEvents: (drainCommits * 1000) / events,
      placement: placed.map((p) => `${p.owner || "(released)"}:${p.stores}`).join(" "),
      moves: drainMoves,
    };
  } finally {
    await chain.dispose();
  }
}

const f1 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "—" : x.toFixed(1));
const f0 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "—" : x.toFixed(0));

const broker = await startBroker();
// a private PostgreSQL (durable: fsync on) so its CPU is ours alone; the shared one if none
const db = await startPostgres(TEST_PG_URL, { durable: FSYNC });
const cores = Number(execFileSync("nproc").toString().trim());
console.log(
  `load average (1 min) at start ${load1()}; bench:scale — ${STORES} stores × ${CARTS} carts backlog (${ITEMS} items/trip, one sample per message), live ${STORES * LIVE_CARTS} carts at 20 Hz; ${cores} cores; PostgreSQL ${db.restartable ? `private (this machine's installation, fsync ${FSYNC ? "on" : "off"})` : TEST_PG_URL}`,
);
const rows: Row[] = [];
try {
  for (const n of NODES) {
    const r = await runFor(n, broker.url, db);
    rows.push(r);
    console.log(
      `${n} process(es): ${r.events} events in ${r.seconds.toFixed(1)} s = ${f0(r.eventsPerSec)} events/s; ` +
        `CPU/event: server ${r.serverCpuMsPerEvent.toFixed(3)} ms, PostgreSQL ${r.pgCpuMsPerEvent.toFixed(3)} ms, Mosquitto ${r.brokerCpuMsPerEvent.toFixed(3)} ms; ` +
        `settle→screen p50 ${f1(r.p50)} ms p99 ${f1(r.p99)} ms (${r.samples} changes); ` +
        `takeover ${r.takeoverMs === undefined ? "—" : `${(r.takeoverMs / 1000).toFixed(2)} s`}; raw ${f0(r.rawBytesPerEvent)} B/event; ` +
        `load average (1 min) ${r.loadBefore} before the drain, ${r.loadAfter} after; ` +
        `${f1(r.commitsPerKEvents)} PostgreSQL commits per 1,000 events; stores per process at the end of the drain ${r.placement} (${r.moves} lease moves)`,
    );
  }
} finally {
  await broker.dispose();
  await db.dispose();
}
const base = rows.find((r) => r.nodes === 1);
if (base) {
  for (const r of rows.filter((x) => x.nodes > 1)) {
    console.log(`throughput ${r.nodes} vs 1 process: ×${(r.eventsPerSec / base.eventsPerSec).toFixed(2)}`);
  }
}
console.log(
  "\n| processes | events/s | server CPU ms/event | PostgreSQL CPU ms/event | Mosquitto CPU ms/event | settle→screen p50 / p99 ms | takeover s | load avg before → after drain |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(
    `| ${r.nodes} | ${f0(r.eventsPerSec)} | ${r.serverCpuMsPerEvent.toFixed(3)} | ${r.pgCpuMsPerEvent.toFixed(3)} | ${r.brokerCpuMsPerEvent.toFixed(3)} | ${f1(r.p50)} / ${f1(r.p99)} | ${r.takeoverMs === undefined ? "—" : (r.takeoverMs / 1000).toFixed(2)} | ${r.loadBefore} → ${r.loadAfter} |`,
  );
}
