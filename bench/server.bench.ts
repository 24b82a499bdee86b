/**
 * Store server benchmark (`npm run bench:server -- --carts 100,1000 --seconds 20 --db both`; --help: the options;
 * `--per-message 5` sends 5 samples per message as a `grams` array with `hz`, exchange-v1 §1).
 *
 * Starts the server as a child process (as deployed: its own process, embedded broker), on a
 * temp SQLite file and/or a fresh PostgreSQL database, provisions N carts through the HTTP API,
 * connects them over real MQTT on loopback and streams a scripted trip per cart: one scale
 * sample per message at 20 Hz, a camera sighting with each item, an item every ~2.3 s; the carts' starts are spread over one item period (`--stagger trip`, independent shoppers) or one message (`--stagger message`, all carts in lockstep).
 *
 * Latency = a settled weight change arriving → its screen update published, measured at the
 * cart: from sending the message that settled the change to receiving the screen. Which message
 * settled it is exact, not guessed: the server handles one cart's messages in order and sends
 * a QoS 1 PUBACK only after a message is processed (screen included), so the cause of a screen
 * update is the oldest message of that cart still waiting for its PUBACK when the screen
 * arrives. The bench process itself shares the machine's cores with the server; the figures
 * include that.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Option } from "commander";
import mqtt, { type MqttClient } from "mqtt";
import pg from "pg";
import { amount, count, counts, scriptCommand } from "../scripts/script-command";
import { loadDemoCatalog } from "../src/adapters/demo/demo-catalog";
import { ExternalBroker } from "../src/adapters/mqtt/external-broker";
import { eventsTopic, screenTopic } from "../src/adapters/mqtt/topics";
import { CartStreams } from "../src/app/cart-stream/cart-stream";
import type { Catalog } from "../src/domain/catalog/product";
import type { CartEvent } from "../src/domain/events/sensor-events";
import { sequentialIds } from "../src/domain/shared/ids";
import { type CartMessage, cartScript, type ScriptItem } from "../test/server/support/cart-script";
import { type Mosquitto, startMosquitto } from "../test/server/support/mosquitto";
import { freePort } from "../test/support/free-port";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const STORE = "bench";

// parsed before anything runs: --help and a usage error exit here
const opts = scriptCommand(
  "server.bench",
  "Store server benchmark (not a test): N carts over real MQTT on loopback against the server as a child process; settle-to-screen latency.",
)
  .addOption(
    new Option("--carts <n[,n...]>", "carts per run, one run per count (a count, or a comma-separated list)")
      .argParser(counts(1))
      .default([1000], "1000"),
  )
  .option("--seconds <s>", "streaming time per run, seconds", amount(0, { above: true }), 20)
  .addOption(
    new Option(
      "--db <name>",
      "storage: a temp SQLite file, a fresh PostgreSQL database, or both (one run each)",
    )
      .choices(["sqlite", "postgres", "both"])
      .default("both"),
  )
  .addOption(
    new Option(
      "--broker <name>",
      "embedded: aedes in the server, on its own thread (SKIPLANE_MQTT_THREAD=false in the environment: in-process); mosquitto: a Mosquitto of its own, dynsec, the server one subscriber",
    )
      .choices(["embedded", "mosquitto"])
      .default("embedded"),
  )
  .option("--per-message <k>", "scale samples per message (a count; 5 is a realistic cart)", count(1), 1)
  .option("--hz <h>", "scale sample rate, samples per second", amount(0, { above: true }), 20)
  .addOption(
    new Option(
      "--stagger <how>",
      "cart starts spread over an item period (trip: independent shoppers) or one message (message: all carts in lockstep)",
    )
      .choices(["trip", "message"])
      .default("trip"),
  )
  .option("--pg <url>", "PostgreSQL server, without a database name", "postgres://postgres@127.0.0.1:5432")
  .option(
    "--profile <dir>",
    "the server runs with --cpu-prof and writes its CPU profile there on exit (default: none)",
  )
  .addHelpText("after", "\nRun: npm run bench:server -- [options]")
  .parse()
  .opts<{
    carts: number[];
    seconds: number;
    db: "sqlite" | "postgres" | "both";
    broker: "embedded" | "mosquitto";
    perMessage: number;
    hz: number;
    stagger: "trip" | "message";
    pg: string;
    profile?: string;
  }>();
const CART_COUNTS = opts.carts;
const PER_MESSAGE = opts.perMessage;
const SECONDS = opts.seconds;
const HZ = opts.hz;
const DB = opts.db;
const PG_URL = opts.pg;
/** how cart starts are spread: over one item period (`trip`, independent shoppers) or one message */
const STAGGER = opts.stagger;
/** the scripted trip's item period: a 0.3 s step and the scale's 2 s hold (cartScript defaults) */
const ITEM_PERIOD_MS = 2300;
/** a directory: the server runs with --cpu-prof and writes its profile there on exit */
const PROFILE = opts.profile ?? "";
/** embedded (aedes inside the server) or mosquitto (a Mosquitto of its own, dynsec, the server one subscriber) */
const BROKER = opts.broker;

/**
 * Which message of a cart's script changes its screen to n items, found by running the script
 * through the same pure cart-stream code (fusion) the server runs: n items on the screen ↦ the
 * index of the message after which the basket first held n. With an external broker the cart's
 * PUBACK comes from the broker at once, so "oldest message not yet acknowledged" cannot name the
 * cause there; on the embedded broker both attributions are made and compared (printed).
 */
function causes(catalog: Catalog, cart: string, messages: CartMessage[]): Map<number, number> {
  const streams = new CartStreams({ catalog, ids: sequentialIds(), store: STORE });
  const out = new Map<number, number>();
  messages.forEach((m, i) => {
    for (const e of m) streams.ingest(e as unknown as CartEvent);
    const session = streams.sessionOf(cart);
    const basket = session === undefined ? undefined : streams.basket(session);
    if (!basket) return;
    let n = 0;
    for (const q of basket.netQty.values()) n += Math.max(0, q);
    if (!out.has(n)) out.set(n, i);
  });
  return out;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** CPU seconds of a process's main thread and of its other threads (Linux /proc; empty elsewhere): where the server's CPU goes. */
function threadCpu(pid: number | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (pid === undefined) return out;
  const tick = 100; // USER_HZ on Linux
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      // Node leaves its threads' names as "node": tell the main (event-loop) thread from the rest
      const name = tid === String(pid) ? "event loop" : `thread ${tid}`;
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields 14 and 15 (utime, stime) are at 11 and 12 after the state field
      const s = (Number(f[11]) + Number(f[12])) / tick;
      out.set(name, (out.get(name) ?? 0) + s);
    }
  } catch {
    // not Linux, or the process is gone
  }
  return out;
}

/**
 * CPU seconds of every PostgreSQL process on this machine (Linux /proc; 0 elsewhere): the
 * database shares the cores with the server. Includes any other client's work on the same
 * cluster during the run.
 */
function postgresCpu(): number {
  let s = 0;
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        if (!stat.includes("(postgres)")) continue;
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        s += (Number(f[11]) + Number(f[12])) / 100;
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // not Linux
  }
  return s;
}

function sum(m: Map<string, number>): number {
  let t = 0;
  for (const v of m.values()) t += v;
  return t;
}

/** "event loop 6.1 s, other threads 3.1 s (busiest 1.2, 0.6, 0.4 s)" */
function cpuDelta(a: Map<string, number>, b: Map<string, number>): string {
  const d = [...b].map(([k, v]) => [k, v - (a.get(k) ?? 0)] as const);
  const main = d.find(([k]) => k === "event loop")?.[1] ?? 0;
  const others = d
    .filter(([k]) => k !== "event loop")
    .map(([, v]) => v)
    .sort((x, y) => y - x);
  const rest = others.reduce((x, y) => x + y, 0);
  const top = others
    .slice(0, 3)
    .map((v) => v.toFixed(1))
    .join(", ");
  return `event loop ${main.toFixed(1)} s, other threads ${rest.toFixed(1)} s (busiest ${top} s)`;
}

/** the server's /metrics needs credentials: the bench gives its server this scrape token */
const METRICS_TOKEN = `bench-${process.pid}-${Date.now()}-metrics`;

/** the server's /metrics text, read with the bench's scrape token (a refusal stops the bench) */
async function scrapeMetrics(http: string): Promise<string> {
  const res = await fetch(`${http}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  if (res.status !== 200) throw new Error(`GET ${http}/metrics: ${res.status} ${await res.text()}`);
  return res.text();
}

async function metricValue(http: string, name: string, labels = ""): Promise<number> {
  const text = await scrapeMetrics(http);
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

async function serverHistogramQuantiles(http: string): Promise<{ p50: string; p99: string }> {
  const text = await scrapeMetrics(http);
  const buckets = text
    .split("\n")
    .filter((l) => l.startsWith("skiplane_decision_latency_seconds_bucket"))
    .map((l) => ({ le: l.match(/le="([^"]+)"/)?.[1] ?? "+Inf", n: Number(l.split(" ").pop()) }));
  const total = buckets.find((b) => b.le === "+Inf")?.n ?? 0;
  const q = (p: number) => {
    const b = buckets.find((x) => x.n >= p * total);
    return b ? (b.le === "+Inf" ? "> 2.5 s" : `≤ ${Number(b.le) * 1000} ms`) : "n/a";
  };
  return { p50: q(0.5), p99: q(0.99) };
}

interface RunResult {
  db: string;
  /** seconds from every cart sending its session start to the server having recorded them all */
  checkInS: number;
  carts: number;
  connected: number;
  seconds: number;
  sent: number;
  accepted: number;
  screens: number;
  latencies: number[];
  unattributed: number;
  server: { p50: string; p99: string };
  rssMb: number;
  /** server process CPU seconds (user + system) during the streaming phase */
  cpu: number;
  /** events and scale samples sent; messages acknowledged (PUBACK) by the end */
  events: number;
  samples: number;
  acked: number;
  /** events the server counted as accepted or duplicate, and as rejected */
  recorded: number;
  rejected: number;
  load: [number, number];
  /** the server's CPU by thread name over the same window */
  threads: string;
  /** CPU seconds of this process (the 1,000 MQTT clients) and of Mosquitto, same window */
  loadGenCpu: number;
  brokerCpu: number | undefined;
  /** CPU seconds of PostgreSQL's processes, same window (PostgreSQL runs only) */
  dbCpu: number | undefined;
  attribution: { compared: number; agreed: number };
  worstBySecond: number[];
}

async function run(db: "sqlite" | "postgres", carts_: number): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), "skiplane-bench-"));
  const httpPort = await freePort();
  const mqttPort = await freePort();
  const env: Record<string, string> = {
    SKIPLANE_SQLITE_FILE: join(dir, "db.sqlite"),
    SKIPLANE_DEMO_STORE: STORE,
    SKIPLANE_DEMO_CARTS: "0",
    SKIPLANE_DEMO_KEYS_FILE: join(dir, "demo.json"),
    SKIPLANE_KEY_FILE: join(dir, "receipt-key"),
    SKIPLANE_PORT: String(httpPort),
    SKIPLANE_HOST: "127.0.0.1",
    SKIPLANE_MQTT_PORT: String(mqttPort),
    SKIPLANE_MQTT_HOST: "127.0.0.1",
    SKIPLANE_MQTT_WS: "false",
    SKIPLANE_LOG_LEVEL: "warn",
    SKIPLANE_METRICS_TOKEN: METRICS_TOKEN,
  };
  let mosq: Mosquitto | undefined;
  let brokerUrl = `mqtt://127.0.0.1:${mqttPort}`;
  if (BROKER === "mosquitto") {
    // A busy store's broker: the server's session may hold a backlog of a few seconds of every
    // cart's messages (Mosquitto's default, 1,000 queued per client, would drop QoS 1 messages
    // beyond that while the server catches up).
    mosq = await startMosquitto({ config: ["max_queued_messages 200000"] });
    const account = { username: "skiplane-server", password: `bench-${process.pid}` };
    await ExternalBroker.bootstrapDynsec({ url: mosq.url, admin: mosq.admin, server: account });
    brokerUrl = mosq.url;
    Object.assign(env, {
      SKIPLANE_MQTT_URL: mosq.url,
      SKIPLANE_MQTT_USERNAME: account.username,
      SKIPLANE_MQTT_PASSWORD: account.password,
      SKIPLANE_MQTT_AUTH: "dynsec",
      SKIPLANE_MQTT_CLIENT_ID: `skiplane-bench-${process.pid}`,
    });
  }
  let pgDb: string | undefined;
  if (db === "postgres") {
    pgDb = `skiplane_bench_${process.pid}_${Date.now()}`;
    const c = new pg.Client({ connectionString: `${PG_URL}/postgres` });
    await c.connect();
    await c.query(`CREATE DATABASE ${pgDb}`);
    await c.end();
    env.SKIPLANE_DATABASE_URL = `${PG_URL}/${pgDb}`;
  }
  const http = `http://127.0.0.1:${httpPort}`;
  const profile = PROFILE ? ["--cpu-prof", "--cpu-prof-dir", PROFILE] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, "--import", "tsx", "src/main.ts"], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${http}/readyz`)).ok) break;
      } catch {
        // starting
      }
      if (child.exitCode !== null || i > 600) throw new Error("server did not start");
      await new Promise((r) => setTimeout(r, 100));
    }
    const admin = JSON.parse(readFileSync(env.SKIPLANE_DEMO_KEYS_FILE, "utf8")).apiKeys.admin as string;
    process.stdout.write(
      `server ${http}: scrape with curl -H "Authorization: Bearer ${METRICS_TOKEN}" ${http}/metrics\n`,
    );

    // provision carts through the API, a few at a time (scrypt runs on the server's thread pool)
    const t0 = performance.now();
    const carts: { cart: string; secret: string }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < carts_) {
          const cart = `b-${String(next++).padStart(5, "0")}`;
          const r = await fetch(`${http}/api/v1/stores/${STORE}/carts`, {
            method: "POST",
            headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
            body: JSON.stringify({ cart }),
          });
          if (r.status !== 201) throw new Error(`provision ${cart}: ${r.status} ${await r.text()}`);
          carts.push({ cart, secret: (await r.json()).secret });
        }
      }),
    );
    process.stderr.write(
      `[${db}] provisioned ${carts.length} carts in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );

    // connect them
    const t1 = performance.now();
    const clients: MqttClient[] = [];
    const clientCart: string[] = [];
    let connecting = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (connecting < carts.length) {
          const { cart, secret } = carts[connecting++];
          const c = await mqtt.connectAsync(brokerUrl, {
            username: cart,
            password: secret,
            clientId: cart,
            reconnectPeriod: 0,
            connectTimeout: 60_000,
            keepalive: 120,
          });
          await c.subscribeAsync(screenTopic(STORE, cart), { qos: 1 });
          clients.push(c);
          clientCart.push(cart);
        }
      }),
    );
    process.stderr.write(
      `[${db}] connected ${clients.length} carts in ${((performance.now() - t1) / 1000).toFixed(1)} s\n`,
    );

    // scripts: unit products with a weight model, a few items per cart
    const catalog = loadDemoCatalog();
    const products = catalog.products.filter(
      (p) => p.soldBy === "unit" && p.weight && p.lookalikes.length === 0,
    );
    const latencies: number[] = [];
    /** the worst latency seen in each second of the run: a start-up backlog, or stalls spread over it */
    const worstBySecond: number[] = [];
    let unattributed = 0;
    /** screens both attributions named a cause for, and how many named the same message */
    let compared = 0;
    let agreed = 0;
    let screens = 0;
    let sent = 0;
    let acked = 0;
    let eventsSent = 0;
    let samplesSent = 0;
    // every cart's script and its replayed causes, made before the clock starts
    const scripts = clients.map((_, i) => {
      const cart = clientCart[i];
      const items: ScriptItem[] = [];
      for (let k = 0; k < 12; k++) {
        const p = products[(i * 7 + k * 13) % products.length];
        items.push({ sku: p.sku, grams: p.weight!.mean });
      }
      const messages = cartScript({
        store: STORE,
        cart,
        session: `${cart}-s`,
        items,
        seed: i + 1,
        t0: 1_763_700_000_000,
        hz: HZ,
        perMessage: PER_MESSAGE,
        end: false,
      });
      const cause = causes(catalog, cart, messages);
      return { messages, cause };
    });
    const load0 = loadavg()[0];
    const rejected0 = await metricValue(http, "skiplane_cart_events_total", '{outcome="rejected"}');
    const duplicate0 = await metricValue(http, "skiplane_cart_events_total", '{outcome="duplicate"}');
    const interval = (1000 / HZ) * PER_MESSAGE;
    // Check-in before the clock: every cart opens its session (the server places the payment
    // hold) and the server records it; a store's carts check in over hours, not within the same
    // 2 s, so the settle → screen figure is the shopping stream's, and check-in has its own line.
    const checkIn0 = performance.now();
    const acceptedBeforeCheckIn = await metricValue(
      http,
      "skiplane_cart_events_total",
      '{outcome="accepted"}',
    );
    await Promise.all(
      clients.map((c, i) =>
        c.publishAsync(eventsTopic(STORE, clientCart[i]), JSON.stringify(scripts[i].messages[0]), { qos: 1 }),
      ),
    );
    for (let w = 0; w < 600; w++) {
      const now = await metricValue(http, "skiplane_cart_events_total", '{outcome="accepted"}');
      if (now - acceptedBeforeCheckIn >= clients.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const checkInS = (performance.now() - checkIn0) / 1000;
    const accepted0 = await metricValue(http, "skiplane_cart_events_total", '{outcome="accepted"}');
    const cpu0 = await metricValue(http, "skiplane_process_cpu_seconds_total");
    const threads0 = threadCpu(child.pid);
    const benchCpu0 = process.cpuUsage();
    const mosqCpu0 = threadCpu(mosq?.pid);
    const pgCpu0 = db === "postgres" ? postgresCpu() : 0;
    const tStart = performance.now();
    const tEnd = tStart + SECONDS * 1000;
    await Promise.all(
      clients.map(async (client, i) => {
        const cart = clientCart[i];
        const { messages, cause } = scripts[i];
        const inflight: number[] = [];
        const sentAt: number[] = [];
        let lastSeq = -1;
        let lastItems = -1;
        client.on("message", (_t, payload) => {
          const now = performance.now();
          const s = JSON.parse(payload.toString()) as { seq: number; lines: { qty?: number }[] };
          if (s.seq <= lastSeq) return;
          lastSeq = s.seq;
          let items = 0;
          for (const l of s.lines) items += l.qty ?? 0;
          const changed = items !== lastItems;
          lastItems = items;
          if (now < tStart) return;
          screens++;
          const at = changed ? sentAt[cause.get(items) ?? -1] : undefined;
          // a screen caused by the session start (sent before the clock) is not a settled change
          const replayed = at !== undefined && !Number.isNaN(at) ? at : undefined;
          const exact = BROKER === "embedded" && inflight.length > 0 ? inflight[0] : undefined;
          if (exact !== undefined && replayed !== undefined) {
            compared++;
            if (Math.abs(exact - replayed) < 0.001) agreed++;
          }
          const from = exact ?? replayed;
          if (from === undefined) {
            unattributed++;
            return;
          }
          latencies.push(now - from);
          const sec = Math.floor((now - tStart) / 1000);
          worstBySecond[sec] = Math.max(worstBySecond[sec] ?? 0, now - from);
        });
        // Independent shoppers: every cart runs the same trip, so started together all 1,000 would
        // put an item in within the same 50 ms, every 2.3 s, which no store sees. `--stagger trip`
        // (default) spreads the starts evenly over one item's period (step 0.3 s + hold 2 s);
        // `--stagger message` keeps that lockstep worst case (starts spread over one message).
        const period = STAGGER === "message" ? interval : ITEM_PERIOD_MS;
        const phase = (i / clients.length) * period;
        let due = tStart + phase;
        sentAt.push(Number.NaN); // message 0, the session start, went before the clock
        for (const m of messages.slice(1)) {
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          if (performance.now() > tEnd) break;
          inflight.push(performance.now());
          sentAt.push(inflight[inflight.length - 1]);
          sent++;
          eventsSent += m.length;
          for (const e of m) if (Array.isArray(e.grams)) samplesSent += e.grams.length;
          client.publish(eventsTopic(STORE, cart), JSON.stringify(m), { qos: 1 }, (err) => {
            inflight.shift();
            if (!err) acked++;
          });
          due += interval;
        }
      }),
    );
    const elapsed = (performance.now() - tStart) / 1000;
    // let what is in flight finish (at most 60 s): every message must be acknowledged and — through
    // Mosquitto, which acknowledges the carts at once — every event recorded by the server
    const recordedNow = async () =>
      (await metricValue(http, "skiplane_cart_events_total", '{outcome="accepted"}')) -
      accepted0 +
      (await metricValue(http, "skiplane_cart_events_total", '{outcome="duplicate"}')) -
      duplicate0;
    for (let w = 0; w < 600 && acked < sent; w++) await new Promise((r) => setTimeout(r, 100));
    if (BROKER === "mosquitto") {
      for (let w = 0; w < 120 && (await recordedNow()) < eventsSent; w++)
        await new Promise((r) => setTimeout(r, 500));
    }
    await new Promise((r) => setTimeout(r, 500));
    const accepted =
      (await metricValue(http, "skiplane_cart_events_total", '{outcome="accepted"}')) - accepted0;
    const server = await serverHistogramQuantiles(http);
    const cpu = (await metricValue(http, "skiplane_process_cpu_seconds_total")) - cpu0;
    const threads = cpuDelta(threads0, threadCpu(child.pid));
    const benchCpuUs = process.cpuUsage(benchCpu0);
    const loadGenCpu = (benchCpuUs.user + benchCpuUs.system) / 1e6;
    const brokerCpu = mosq ? sum(threadCpu(mosq.pid)) - sum(mosqCpu0) : undefined;
    const dbCpu = db === "postgres" ? postgresCpu() - pgCpu0 : undefined;
    const rss = await metricValue(http, "skiplane_process_resident_memory_bytes");
    const rejected =
      (await metricValue(http, "skiplane_cart_events_total", '{outcome="rejected"}')) - rejected0;
    const duplicate =
      (await metricValue(http, "skiplane_cart_events_total", '{outcome="duplicate"}')) - duplicate0;
    await Promise.all(clients.map((c) => c.endAsync(true)));
    latencies.sort((a, b) => a - b);
    return {
      db,
      carts: carts.length,
      connected: clients.length,
      seconds: elapsed,
      sent,
      accepted,
      screens,
      latencies,
      unattributed,
      server,
      rssMb: rss / 1e6,
      cpu,
      events: eventsSent,
      samples: samplesSent,
      acked,
      recorded: accepted + duplicate,
      rejected,
      load: [load0, loadavg()[0]],
      threads,
      loadGenCpu,
      brokerCpu,
      dbCpu,
      attribution: { compared, agreed },
      worstBySecond: Array.from(worstBySecond, (x) => Math.round(x ?? 0)),
      checkInS,
    };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    await mosq?.stop();
    // the SQLite file of a 1,000-cart run is ~100 MB: do not leave it behind
    rmSync(dir, { recursive: true, force: true });
    if (pgDb) {
      const c = new pg.Client({ connectionString: `${PG_URL}/postgres` });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${pgDb} WITH (FORCE)`);
      await c.end();
    }
  }
}

function report(r: RunResult): string {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const l = r.latencies;
  return [
    `${r.db}, ${BROKER === "embedded" ? `embedded broker (${process.env.SKIPLANE_MQTT_THREAD === "false" ? "in-process" : "its own thread"})` : "Mosquitto (dynsec), the server one subscriber"}: ${r.connected}/${r.carts} carts, ${HZ} Hz samples, ${PER_MESSAGE} per message, starts spread over ${STAGGER === "trip" ? "an item period" : "one message"}, ${r.seconds.toFixed(1)} s`,
    `  messages sent        ${r.sent} (${(r.sent / r.seconds).toFixed(0)}/s), ${r.events} events, ${r.samples} scale samples (${(r.samples / r.seconds).toFixed(0)}/s)`,
    `  acknowledged         ${r.acked} of ${r.sent} messages; events recorded ${r.recorded} of ${r.events}, rejected ${r.rejected}${r.acked === r.sent && r.recorded === r.events ? " (nothing lost)" : " (LOST OR LATE)"}`,
    `  check-in             ${r.carts} session starts (holds placed) recorded in ${r.checkInS.toFixed(1)} s, before the clock`,
    `  events accepted      ${r.accepted} (${(r.accepted / r.seconds).toFixed(0)}/s)`,
    `  screen updates       ${r.screens} (${r.unattributed} not attributable${r.attribution.compared ? `; replay attribution = PUBACK attribution on ${r.attribution.agreed} of ${r.attribution.compared}` : ""})`,
    `  settle → screen      p50 ${ms(quantile(l, 0.5))}  p99 ${ms(quantile(l, 0.99))}  max ${ms(l[l.length - 1] ?? Number.NaN)}  (n=${l.length}, at the cart)`,
    `  worst per second     ${r.worstBySecond.join(" ")} ms`,
    `  server-side          p50 ${r.server.p50}  p99 ${r.server.p99}  (histogram buckets, arrival → published)`,
    `  server CPU           ${r.cpu.toFixed(1)} s over the run = ${((r.cpu / Math.max(1, r.accepted)) * 1000).toFixed(2)} ms per accepted event (≈ ${(Math.max(1, r.accepted) / Math.max(0.001, r.cpu)).toFixed(0)} events per CPU-second)`,
    `  server CPU / sample  ${((r.cpu / Math.max(1, r.samples)) * 1e6).toFixed(0)} µs per scale sample (${((r.cpu / r.seconds) * 100).toFixed(0)} % of one core)`,
    `  server threads       ${r.threads || "n/a"}`,
    `  load generator CPU   ${r.loadGenCpu.toFixed(1)} s (this process: ${r.connected} MQTT clients)${r.brokerCpu !== undefined ? `; Mosquitto ${r.brokerCpu.toFixed(1)} s` : ""}`,
    ...(r.dbCpu !== undefined
      ? [
          `  PostgreSQL CPU       ${r.dbCpu.toFixed(1)} s = ${((r.dbCpu / Math.max(1, r.accepted)) * 1000).toFixed(2)} ms per accepted event (${((r.dbCpu / r.seconds) * 100).toFixed(0)} % of one core; all its processes)`,
        ]
      : []),
    `  server RSS           ${r.rssMb.toFixed(0)} MB`,
    `  load average         ${r.load[0].toFixed(1)} at start, ${r.load[1].toFixed(1)} at end (1 min, uptime; ${cpus().length} cores)`,
  ].join("\n");
}

const which: ("sqlite" | "postgres")[] =
  DB === "both" ? ["sqlite", "postgres"] : [DB as "sqlite" | "postgres"];
process.stdout.write(`skiplane server benchmark (${process.platform}, node ${process.version})\n`);
for (const n of CART_COUNTS) {
  for (const db of which) process.stdout.write(`${report(await run(db, n))}\n`);
}
