/**
 * The embedded broker's aedes in a worker thread of its own: the carts' sockets, MQTT parsing,
 * QoS 1 bookkeeping and retained screens run on the worker's event loop, so they no longer
 * queue behind (and in front of) the server's own work on the main thread. With 1,000 carts
 * that broker work was ~20 points of the main event loop's busy time (bench:server, SQLite:
 * event-loop utilisation ~83 % embedded against ~65 % through Mosquitto at the same load), and
 * at that utilisation the queueing shows as p99 latency.
 *
 * The worker decides nothing. Every hook (authenticate, authorizePublish, authorizeSubscribe)
 * is a request to the main thread, answered by EmbeddedBroker's own rules; a publish on an
 * events topic is answered only once the gateway has recorded it, so aedes still sends the
 * QoS 1 PUBACK after the events are durable. The main thread's publications (screens, errors)
 * are posted to the worker, which hands them to aedes in order; a hook's answer waits for the
 * publications posted before it on the same cart's topics, so a cart gets its screen before
 * the PUBACK of the message that changed it, as with the in-process broker.
 *
 * Messages go both ways in batches (one postMessage per turn of either event loop), since a
 * postMessage per cart message would cost the main thread about what it saves.
 *
 * The worker is plain JavaScript evaluated from a string (as the SQLite checkpointer), so it
 * runs the same under tsx, vitest and node; it imports aedes by its resolved path.
 */
import { createRequire } from "node:module";
import type { Duplex } from "node:stream";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

/** worker → main */
export type FromWorker =
  | { k: "listening"; port: number }
  | { k: "failed"; error: string }
  /** `i`: the client id, `cl`: its clean-session flag (the id is bound to its holder), `a`: its address */
  | { k: "auth"; c: number; u: string; p: string; i: string; cl: boolean; a?: string }
  | { k: "pub"; c: number; r: number; t: string; b: Uint8Array; rt: boolean }
  | { k: "sub"; c: number; r: number; t: string; q: number }
  | { k: "gone"; c: number }
  | { k: "ws-out"; s: number; b: Uint8Array }
  | { k: "ws-end"; s: number }
  | { k: "closed" };

/** main → worker */
export type ToWorker =
  | { k: "auth"; c: number; ok: true }
  | { k: "auth"; c: number; ok: false; msg: string; code: number }
  | { k: "done"; r: number; e: string }
  | { k: "done"; r: number; retain: boolean }
  | { k: "sub"; r: number; ok: boolean }
  | { k: "publish"; t: string; b: string; retain: boolean }
  | { k: "close-conn"; c: number }
  | { k: "ws-open"; s: number; a?: string }
  | { k: "ws-in"; s: number; b: Uint8Array }
  | { k: "ws-end"; s: number }
  | { k: "close" };

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { createServer } = require("node:net");
const { Duplex } = require("node:stream");

let outbox = [];
function send(m) {
  outbox.push(m);
  if (outbox.length === 1) setImmediate(() => { const b = outbox; outbox = []; parentPort.postMessage(b); });
}
/** the cart's (or device's) topic prefix: "skiplane/v1/{store}/carts/{cart}/" */
function prefixOf(topic) { return topic.slice(0, topic.lastIndexOf("/") + 1); }

(async () => {
  const { Aedes } = await import(workerData.aedes);
  let nextConn = 1, nextReq = 1;
  const conns = new Map();           // id → aedes client
  const connOf = new WeakMap();      // aedes client → id
  const authWait = new Map();        // conn id → done
  const pubWait = new Map();         // req id → { done, prefix }
  const subWait = new Map();         // req id → { done, sub }
  const streams = new Map();         // ws stream id → Duplex
  // per topic prefix, the last publication posted by the main thread (a hook's answer waits for it)
  const lastPublish = new Map();

  const idOf = (client) => {
    let id = connOf.get(client);
    if (id === undefined) {
      const c = nextConn++;
      connOf.set(client, c);
      conns.set(c, client);
      // every connection ends with its stream closing (refused at CONNECT, dropped, kicked)
      client.conn.once("close", () => { conns.delete(c); authWait.delete(c); send({ k: "gone", c }); });
      id = c;
    }
    return id;
  };
  const broker = await Aedes.createBroker({
    concurrency: 0,
    authenticate: (client, username, password, done) => {
      const c = idOf(client);
      authWait.set(c, done);
      send({ k: "auth", c, u: username ?? "", p: password ? password.toString("utf8") : "", i: client.id, cl: !!client.clean, a: client.conn && client.conn.remoteAddress });
    },
    authorizePublish: (client, packet, done) => {
      if (!client) return done(null);
      const r = nextReq++;
      pubWait.set(r, { done, prefix: prefixOf(packet.topic), packet });
      const b = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
      send({ k: "pub", c: idOf(client), r, t: packet.topic, b, rt: !!packet.retain });
    },
    authorizeSubscribe: (client, sub, done) => {
      const r = nextReq++;
      subWait.set(r, { done, sub });
      send({ k: "sub", c: idOf(client), r, t: sub.topic, q: sub.qos });
    },
  });

  const server = createServer(broker.handle);
  server.once("error", (err) => send({ k: "failed", error: String(err && err.message || err) }));
  server.listen(workerData.port, workerData.host, () => send({ k: "listening", port: server.address().port }));

  parentPort.on("message", (batch) => {
    for (const m of batch) {
      switch (m.k) {
        case "auth": {
          const done = authWait.get(m.c);
          authWait.delete(m.c);
          if (!done) break;
          if (m.ok) done(null, true);
          else { const err = new Error(m.msg); err.returnCode = m.code; done(err, false); }
          break;
        }
        case "done": {
          const w = pubWait.get(m.r);
          pubWait.delete(m.r);
          if (!w) break;
          const failed = "e" in m;
          if (!failed) w.packet.retain = m.retain; // the main thread clears it on events (input, not state)
          const answer = () => w.done(failed ? new Error(m.e) : null);
          const before = lastPublish.get(w.prefix);
          if (before) before.then(answer); else answer();
          break;
        }
        case "sub": {
          const w = subWait.get(m.r);
          subWait.delete(m.r);
          if (w) w.done(null, m.ok ? w.sub : null);
          break;
        }
        case "publish": {
          const prefix = prefixOf(m.t);
          const p = new Promise((resolve) =>
            broker.publish({ cmd: "publish", topic: m.t, payload: Buffer.from(m.b), qos: 1, retain: m.retain, dup: false }, () => resolve()),
          );
          lastPublish.set(prefix, p);
          p.then(() => { if (lastPublish.get(prefix) === p) lastPublish.delete(prefix); });
          break;
        }
        case "close-conn": {
          const client = conns.get(m.c);
          if (client) client.close();
          break;
        }
        case "ws-open": {
          const s = m.s;
          const d = new Duplex({
            read() {},
            write(chunk, _enc, cb) { send({ k: "ws-out", s, b: chunk }); cb(); },
            final(cb) { send({ k: "ws-end", s }); cb(); },
            destroy(err, cb) { if (streams.delete(s)) send({ k: "ws-end", s }); cb(err); },
          });
          // the client's address, as a socket would carry it (the limit on failed CONNECTs)
          if (m.a) d.remoteAddress = m.a;
          streams.set(s, d);
          broker.handle(d);
          break;
        }
        case "ws-in": { const d = streams.get(m.s); if (d) d.push(Buffer.from(m.b)); break; }
        case "ws-end": { const d = streams.get(m.s); if (d) { streams.delete(m.s); d.push(null); d.destroy(); } break; }
        case "close": {
          broker.close(() => server.close(() => { outbox.push({ k: "closed" }); parentPort.postMessage(outbox); outbox = []; }));
          break;
        }
      }
    }
  });
})().catch((err) => send({ k: "failed", error: String(err && err.stack || err) }));
`;

/** The main thread's end of the broker thread: batched messages both ways. */
export class BrokerThread {
  private outbox: ToWorker[] = [];
  private readonly streams = new Map<number, Duplex>();
  private nextStream = 1;
  private closed: (() => void) | undefined;
  private stopping = false;
  port = 0;

  private constructor(
    private readonly worker: Worker,
    private readonly onMessage: (m: FromWorker) => void,
  ) {}

  /** Starts the worker and its TCP listener; resolves with the bound port. */
  static async start(options: {
    port: number;
    host: string;
    onMessage: (m: FromWorker) => void;
    /** the worker failed or exited when not asked to */
    onFatal: (err: Error) => void;
  }): Promise<BrokerThread> {
    const aedes = createRequire(import.meta.url).resolve("aedes");
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { aedes: pathToFileURL(aedes).href, port: options.port, host: options.host },
    });
    const self = new BrokerThread(worker, options.onMessage);
    let started = false;
    worker.on("error", (err) => {
      if (started) options.onFatal(err);
    });
    worker.on("exit", (code) => {
      if (started && !self.stopping) options.onFatal(new Error(`embedded broker thread exited (${code})`));
    });
    await new Promise<void>((resolve, reject) => {
      worker.once("error", reject);
      worker.on("message", (batch: FromWorker[]) => {
        for (const m of batch) {
          if (m.k === "listening") {
            self.port = m.port;
            started = true;
            resolve();
          } else if (m.k === "failed") reject(new Error(`embedded broker thread: ${m.error}`));
          else self.receive(m);
        }
      });
    });
    return self;
  }

  send(m: ToWorker): void {
    this.outbox.push(m);
    if (this.outbox.length === 1)
      setImmediate(() => {
        const b = this.outbox;
        this.outbox = [];
        this.worker.postMessage(b);
      });
  }

  /** Serves one MQTT-over-WebSocket connection from `address` through the worker's aedes. */
  handleStream(stream: Duplex, address?: string): void {
    const s = this.nextStream++;
    this.streams.set(s, stream);
    this.send({ k: "ws-open", s, ...(address ? { a: address } : {}) });
    stream.on("data", (b: Buffer) => this.send({ k: "ws-in", s, b }));
    const end = () => {
      if (this.streams.delete(s)) this.send({ k: "ws-end", s });
    };
    stream.on("end", end);
    stream.on("close", end);
    stream.on("error", end);
  }

  async close(): Promise<void> {
    this.stopping = true;
    const done = new Promise<void>((resolve) => {
      this.closed = resolve;
    });
    this.send({ k: "close" });
    await done;
    await this.worker.terminate();
  }

  private receive(m: FromWorker): void {
    switch (m.k) {
      case "ws-out":
        this.streams.get(m.s)?.write(Buffer.from(m.b.buffer, m.b.byteOffset, m.b.byteLength));
        return;
      case "ws-end": {
        const stream = this.streams.get(m.s);
        this.streams.delete(m.s);
        stream?.end();
        return;
      }
      case "closed":
        this.closed?.();
        return;
      default:
        this.onMessage(m);
    }
  }
}
