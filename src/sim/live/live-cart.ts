/**
 * One simulated cart driven into a running store server over MQTT (exchange-v1 §5): it logs in
 * with its cart id and secret, follows its own `screen` and `errors` topics, and plays one
 * shopping trip after another in real time (times `speed`).
 *
 * Time: each cart has a virtual clock, `v = min(v0 + (wall − w0)·speed + offset, wall)`; the
 * script's lines carry virtual device times and go out when the virtual clock reaches them (a
 * weight message once its last sample is taken). Lines that fall due together go out as one
 * array message. The clock never runs ahead of the wall clock: a device time in the future is
 * not plausible (the server stamps sessions with it, and a later run's real-time lines would be
 * refused as out of order). So at `speed` > 1 the clock starts `lead` ms in the past
 * (`v0 = w0 − lead`) and plays N times fast until it reaches the present, then in real time.
 * Prompts are answered at the virtual time the shopper decides (responder model); every line
 * with an earlier time is sent first, so one cart's lines always reach the server in time order.
 *
 * Recovery: the server keeps each cart's last device time and open session. If it refuses a
 * line as `out-of-order` (an earlier run at a higher --speed ran the cart's clock ahead), the
 * cart moves its clock past the server's and starts over; if it finds a session left open
 * (`session-already-open`, or an open basket on the retained screen at login), it sends that
 * session to the exit first.
 */
import mqtt, { type MqttClient } from "mqtt";
import { errorsTopic, eventsTopic, screenTopic } from "../../adapters/mqtt/topics";
import { cartErrorSchema, screenStateSchema } from "../../adapters/schemas/cart-protocol.schema";
import type { CartEvent } from "../../domain/events/sensor-events";
import { CartSimulator, type PromptReply } from "../cart-sim";
import type { SimCatalog } from "../planner";
import type { SimMix } from "../profile";
import { rngFor } from "../rng";
import type { LiveEvent, ScreenLine } from "./live-events";
import { type SessionScript, sessionScript } from "./live-script";
import { decidePrompt, type ScreenPrompt } from "./prompt-reply";

type Screen = ReturnType<typeof screenStateSchema.parse>;

export interface LiveCartOptions {
  url: string;
  store: string;
  cart: string;
  secret: string;
  /** tags this run's session and event ids (ids must not repeat across runs) */
  runTag: string;
  speed: number;
  perMessage: number;
  seed: number;
  mix: SimMix;
  sc: SimCatalog;
  /** the next session number to play, or undefined when done */
  nextSession(): number | undefined;
  sessionId(k: number, attempt: number): string;
  onEvent(e: LiveEvent): void;
  /** wall-clock seconds to wait for a settled screen after the exit */
  settleTimeoutS?: number;
  /** how far in the past (ms) the cart's clock starts, to play at `speed` until it reaches now */
  lead?: number;
}

export interface SessionRecord {
  cart: string;
  session: string;
  k: number;
  state?: "paid" | "review" | "problem" | "idle";
  total?: number;
  /** the last screen lines the cart showed for this session */
  lines: ScreenLine[];
  prompts: number;
  answered: number;
  /** every line the screen showed during the session (sku → most seen), for checks */
  screensSeen: number;
}

/** A refusal at login, said plainly. */
export class LiveConnectError extends Error {}

interface Pending {
  at: number;
  promptId: string;
  replies: PromptReply[];
  style: "right" | "wrong";
  prompt: ScreenPrompt;
}

interface Current {
  script: SessionScript;
  /** every event id of this attempt starts with it */
  idPrefix: string;
  record: SessionRecord;
  prompts: Set<string>;
  answers: Pending[];
  screen?: Screen;
  ended: boolean;
  settled?: (state: SessionRecord["state"]) => void;
}

export class LiveCart {
  private client?: MqttClient;
  private readonly sim: CartSimulator;
  private readonly w0 = Date.now();
  private readonly v0: number;
  private offset = 0;
  /** how far the clock may run ahead of the wall clock: 0, unless an older run left it ahead */
  private ahead = 0;
  private lastT = 0;
  private n = 0;
  private cur?: Current;
  private lastScreen?: Screen;
  private wake?: () => void;
  private stopping = false;
  private restart?: { reason: string; floor?: number };
  private readonly inflight = new Set<Promise<unknown>>();
  readonly records: SessionRecord[] = [];
  messages = 0;
  events = 0;
  readonly rejected: Record<string, number> = {};

  constructor(private readonly o: LiveCartOptions) {
    this.v0 = this.w0 - Math.max(0, o.lead ?? 0);
    this.sim = new CartSimulator({
      store: o.store,
      cart: o.cart,
      sc: o.sc,
      mix: o.mix,
      rng: rngFor(o.seed, `live-${o.cart}`),
      startT: this.v0,
    });
  }

  /** virtual now (the device time a line gets), ms: never ahead of the wall clock (but see `ahead`) */
  vnow(): number {
    const wall = Date.now();
    return Math.min(this.v0 + (wall - this.w0) * this.o.speed + this.offset, wall + this.ahead);
  }

  async connect(): Promise<void> {
    const { url, cart, secret } = this.o;
    const client = mqtt.connect(url, {
      username: cart,
      password: secret,
      clientId: `skiplane-sim-${cart}-${this.o.runTag}`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    this.client = client;
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error & { code?: string | number }) => {
        client.end(true);
        reject(new LiveConnectError(explainConnectError(err, url, cart)));
      };
      client.once("connect", () => resolve());
      client.once("error", fail);
      client.once("close", () => fail(new Error("the connection closed before the broker answered")));
    });
    client.removeAllListeners("error");
    client.removeAllListeners("close");
    client.on("error", () => {
      // reconnects are automatic from here on; a refused reconnect shows as no progress
    });
    client.options.reconnectPeriod = 1000;
    client.on("message", (topic, payload) => this.onMessage(topic, payload));
    const granted = await client.subscribeAsync(
      [screenTopic(this.o.store, cart), errorsTopic(this.o.store, cart)],
      {
        qos: 1,
      },
    );
    if (granted.some((g) => g.qos === 128))
      throw new LiveConnectError(
        `cart ${cart}: the broker refused its screen/errors subscriptions — is ${cart} a cart of store ${this.o.store}? (--store)`,
      );
    this.o.onEvent({ kind: "connected", cart });
  }

  /** Heads for the exit: the session in progress ends now, no new one starts. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
    await this.client?.endAsync();
  }

  /** Plays sessions until there are none left or `stop()`. */
  async run(): Promise<void> {
    // a retained screen arrives right after subscribing: an open basket there is a leftover
    await this.sleepWall(300);
    const left = this.lastScreen;
    if (left?.session && (left.state === "shopping" || left.state === "charging")) {
      this.o.onEvent({
        kind: "note",
        cart: this.o.cart,
        text: `sending ${left.session}, left open earlier, to the exit`,
      });
      this.sendEnd();
    }
    const idleRng = rngFor(this.o.seed, `live-idle-${this.o.cart}`);
    while (!this.stopping) {
      const k = this.o.nextSession();
      if (k === undefined) break;
      for (let attempt = 0; attempt < 3 && !this.stopping; attempt++) {
        const done = await this.playSession(k, attempt);
        if (done) break;
      }
      if (this.stopping) break;
      // the shopper unloads; the cart waits in the corral for the next one (5–30 s)
      await this.sleepVirtual(this.vnow() + idleRng.uniform(5, 30) * 1000);
    }
    await Promise.allSettled([...this.inflight]);
  }

  /** true when the session ran to the exit (whatever the outcome); false to try again */
  private async playSession(k: number, attempt: number): Promise<boolean> {
    const session = this.o.sessionId(k, attempt);
    const idPrefix = `${this.o.cart}.${this.o.runTag}.${k}.${attempt}`;
    const script = sessionScript({
      sim: this.sim,
      sc: this.o.sc,
      mix: this.o.mix,
      seed: this.o.seed,
      k,
      session,
      startT: Math.max(this.vnow(), this.lastT + 1),
      perMessage: this.o.perMessage,
      idPrefix,
    });
    const record: SessionRecord = {
      cart: this.o.cart,
      session,
      k,
      lines: [],
      prompts: 0,
      answered: 0,
      screensSeen: 0,
    };
    const cur: Current = { script, idPrefix, record, prompts: new Set(), answers: [], ended: false };
    this.cur = cur;
    this.restart = undefined;
    this.o.onEvent({
      kind: "started",
      cart: this.o.cart,
      session,
      account: script.plan.account,
      stops: script.plan.actions.length,
    });
    const lines = script.lines;
    let pos = 0;
    while (pos < lines.length) {
      if (this.restart || this.stopping) break;
      const next = Math.min(lines[pos].due, cur.answers[0]?.at ?? Number.POSITIVE_INFINITY);
      await this.sleepVirtual(next);
      if (this.restart || this.stopping) break;
      const now = this.vnow();
      const batch: CartEvent[] = [];
      while (cur.answers.length > 0 && cur.answers[0].at <= now) {
        const a = cur.answers.shift()!;
        while (pos < lines.length && lines[pos].event.t <= a.at && lines[pos].event.type !== "session.end")
          batch.push(lines[pos++].event);
        // the question may be gone by now (answered by a scan, or fusion made up its mind)
        if (cur.screen?.prompt?.id !== a.promptId) continue;
        const t = Math.max(a.at, batch[batch.length - 1]?.t ?? this.lastT, this.lastT);
        for (const r of a.replies) batch.push(this.line(t, r, `${idPrefix}.a`));
        cur.record.answered++;
        this.o.onEvent({
          kind: "prompt",
          cart: this.o.cart,
          session,
          prompt: a.prompt,
          style: a.style,
          replies: a.replies,
        });
      }
      while (pos < lines.length && lines[pos].due <= now && batch.length < 400)
        batch.push(lines[pos++].event);
      if (batch.length > 0) await this.publish(batch);
    }
    if (this.restart) {
      const { reason, floor } = this.restart;
      if (floor !== undefined && floor >= this.vnow()) {
        const jump = floor - this.vnow() + 1000;
        this.offset += jump;
        // a time past the wall clock only when the server already has one (an older run's)
        this.ahead = Math.max(this.ahead, floor + 1000 - Date.now());
        this.o.onEvent({
          kind: "note",
          cart: this.o.cart,
          text: `the server has seen this cart's clock ${(jump / 60_000).toFixed(1)} min later (an earlier run?): moving the clock on and starting again`,
        });
      } else {
        this.o.onEvent({ kind: "note", cart: this.o.cart, text: `${reason}: closing it and starting again` });
      }
      this.lastT = Math.max(this.lastT, this.vnow());
      this.sendEnd();
      this.cur = undefined;
      await this.sleepWall(300);
      return false;
    }
    if (pos < lines.length) {
      // stopping: the shopper goes straight to the exit
      this.sendEnd();
    }
    cur.ended = true;
    const state = await this.waitSettled(cur);
    if (state === undefined) {
      this.o.onEvent({ kind: "unsettled", cart: this.o.cart, session });
    }
    this.records.push(cur.record);
    this.cur = undefined;
    return true;
  }

  private waitSettled(cur: Current): Promise<SessionRecord["state"]> {
    if (cur.record.state) return Promise.resolve(cur.record.state);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), (this.o.settleTimeoutS ?? 30) * 1000);
      cur.settled = (s) => {
        clearTimeout(timer);
        resolve(s);
      };
    });
  }

  private line(t: number, body: PromptReply | { type: "session.end" }, idTag: string): CartEvent {
    this.n++;
    return {
      v: 1,
      t,
      store: this.o.store,
      cart: this.o.cart,
      id: `${idTag}.${this.n}`,
      ...body,
    } as CartEvent;
  }

  private sendEnd(): void {
    const t = Math.max(this.vnow(), this.lastT);
    void this.publish([this.line(t, { type: "session.end" }, `${this.o.cart}.${this.o.runTag}.x`)]);
  }

  private async publish(batch: CartEvent[]): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.lastT = Math.max(this.lastT, batch[batch.length - 1].t);
    this.messages++;
    this.events += batch.length;
    const payload = JSON.stringify(batch.length === 1 ? batch[0] : batch);
    const p = client.publishAsync(eventsTopic(this.o.store, this.o.cart), payload, { qos: 1 }).catch(() => {
      // the client resends QoS 1 messages after a reconnect; a hard failure shows up as no progress
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    // a bounded window of unacknowledged messages: a slow server slows the cart, not the heap
    while (this.inflight.size >= 20) await Promise.race(this.inflight);
  }

  // ---------------------------------------------------------------- incoming
  private onMessage(topic: string, payload: Buffer): void {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString("utf8"));
    } catch {
      return;
    }
    if (topic.endsWith("/errors")) {
      const e = cartErrorSchema.safeParse(json);
      if (e.success) this.onError(e.data.reason, e.data.detail, e.data.id);
      return;
    }
    const s = screenStateSchema.safeParse(json);
    if (s.success) this.onScreen(s.data);
  }

  private onError(reason: string, detail: string | undefined, id: string | undefined): void {
    // the server may still be working through an earlier run's messages: not this run's business
    if (id !== undefined && !id.startsWith(`${this.o.cart}.${this.o.runTag}.`)) return;
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
    // only a refusal of this attempt's own lines starts it over (late refusals of an abandoned one do not)
    const ours =
      this.cur !== undefined &&
      (id?.startsWith(`${this.cur.idPrefix}-`) === true || id?.startsWith(`${this.cur.idPrefix}.`) === true);
    if (reason === "out-of-order") {
      const m = /previous event at ([\d.]+)/.exec(detail ?? "");
      const floor = m ? Number(m[1]) : undefined;
      if (!ours || this.restart) return;
      if (floor !== undefined) {
        this.restart = { reason, floor };
        this.wake?.();
        return;
      }
    } else if (reason === "session-already-open") {
      if (ours && !this.restart) {
        this.restart = { reason: "a session was left open on this cart" };
        this.wake?.();
        return;
      }
    } else if (reason === "no-open-session" && id?.startsWith(`${this.o.cart}.${this.o.runTag}.x.`)) {
      return; // the exit sent to close a leftover found nothing open: fine
    } else if (reason === "unknown-prompt") {
      return; // the question closed just before the answer arrived: the shopper moves on
    }
    this.o.onEvent({ kind: "rejected", cart: this.o.cart, reason, ...(detail ? { detail } : {}) });
  }

  private onScreen(screen: Screen): void {
    const prev = this.lastScreen;
    this.lastScreen = screen;
    const cur = this.cur;
    if (!cur || screen.session !== cur.script.session) return;
    const before = cur.screen;
    cur.screen = screen;
    cur.record.screensSeen++;
    if (screen.lines.length > 0 || screen.state !== "shopping") cur.record.lines = screen.lines;
    this.reportLines(before?.lines ?? (prev?.session === screen.session ? prev.lines : []), screen);
    if (screen.prompt && screen.state === "shopping" && !cur.prompts.has(screen.prompt.id)) {
      cur.prompts.add(screen.prompt.id);
      cur.record.prompts++;
      this.onPrompt(cur, screen);
    }
    if (
      screen.state === "paid" ||
      screen.state === "review" ||
      screen.state === "problem" ||
      screen.state === "idle"
    ) {
      if (cur.record.state === undefined) {
        cur.record.state = screen.state;
        cur.record.total = screen.total;
        this.o.onEvent({
          kind: "settled",
          cart: this.o.cart,
          session: cur.script.session,
          state: screen.state,
          total: screen.total,
          currency: screen.currency,
          lines: screen.lines,
        });
        cur.settled?.(screen.state);
      }
    }
  }

  private onPrompt(cur: Current, screen: Screen): void {
    const prompt = screen.prompt!;
    const at = this.vnow();
    const d = decidePrompt({
      prompt,
      actions: cur.script.plan.actions,
      stopTimes: cur.script.stopTimes,
      at,
      lineSkus: screen.lines.filter((l) => l.status === "unsure").map((l) => l.sku),
      answers: cur.script.plan.answers,
      shoppers: this.o.mix.shoppers,
      catalog: this.o.sc,
      rng: rngFor(this.o.seed, `answers-${cur.script.session}-${prompt.id}`),
    });
    if (d.style === "none" || d.replies.length === 0) {
      this.o.onEvent({
        kind: "prompt",
        cart: this.o.cart,
        session: cur.script.session,
        prompt,
        style: "none",
        replies: [],
      });
      return;
    }
    cur.answers.push({
      at: at + d.delayS * 1000,
      promptId: prompt.id,
      replies: d.replies,
      style: d.style,
      prompt,
    });
    cur.answers.sort((a, b) => a.at - b.at);
    this.wake?.();
  }

  private reportLines(before: ScreenLine[], screen: Screen): void {
    const key = (l: ScreenLine) => `${l.sku}|${l.grams !== undefined ? "w" : "u"}`;
    const old = new Map(before.map((l) => [key(l), l]));
    const now = new Map(screen.lines.map((l) => [key(l), l]));
    const emit = (l: ScreenLine, change: "added" | "removed", qty?: number, grams?: number) =>
      this.o.onEvent({
        kind: "item",
        cart: this.o.cart,
        session: screen.session ?? "",
        change,
        name: l.name,
        ...(qty !== undefined ? { qty } : {}),
        ...(grams !== undefined ? { grams } : {}),
        total: screen.total,
        currency: screen.currency,
      });
    for (const [k, l] of now) {
      const o = old.get(k);
      if (l.grams !== undefined) {
        if (!o || o.grams !== l.grams) emit(l, "added", undefined, Math.round(l.grams - (o?.grams ?? 0)));
      } else {
        const d = (l.qty ?? 0) - (o?.qty ?? 0);
        if (d > 0) emit(l, "added", d);
        else if (d < 0) emit(l, "removed", -d);
      }
    }
    for (const [k, o] of old) {
      if (!now.has(k)) emit(o, "removed", o.qty, o.grams);
    }
  }

  // ---------------------------------------------------------------- time
  private sleepVirtual(v: number): Promise<void> {
    if (v <= this.vnow()) return Promise.resolve();
    // the clock reaches v when its fast part has (wall time `fast`) and the cap has (`cap`)
    const fast = this.w0 + (v - this.v0 - this.offset) / this.o.speed;
    const cap = v - this.ahead;
    const ms = Math.max(fast, cap) - Date.now();
    return ms <= 0 ? Promise.resolve() : this.sleepWall(Math.max(1, ms));
  }

  private sleepWall(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
      const self = this;
      function done() {
        clearTimeout(timer);
        if (self.wake === done) self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }
}

function explainConnectError(err: Error & { code?: string | number }, url: string, cart: string): string {
  const code = err.code;
  if (code === "ECONNREFUSED")
    return `cannot reach the store's MQTT broker at ${url} (connection refused). Is the server running? Start it with \`npm start\` (embedded broker on port 1884), or pass --url.`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `cannot resolve the broker's host in ${url}`;
  if (code === 4 || code === 134 || /bad user ?name or password/i.test(err.message))
    return `the broker refused cart ${cart}: bad username or password. The credentials do not match this server (a fresh database makes new ones) — use the file the server wrote (.data/demo-credentials.json) or the secrets it printed at start.`;
  if (code === 5 || code === 135 || /not authori[sz]ed/i.test(err.message))
    return `the broker refused cart ${cart}: not authorized (revoked?). Re-provision it: POST /api/v1/stores/{store}/carts`;
  if (/connack timeout/i.test(err.message))
    return `no answer from ${url} within 5 s — is that an MQTT broker? (the store server's embedded broker listens on 1884; HTTP is 8080)`;
  return `cannot connect cart ${cart} to ${url}: ${err.message}`;
}
