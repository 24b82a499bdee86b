/**
 * One owned store's MQTT ingress: a persistent MQTT session named after the store.
 *
 * The owner of store S connects as client id `{prefix}-{S}-{tag}` with clean=false (MQTT 5: session
 * expiry `sessionExpirySec`) and subscribes QoS 1 to `skiplane/v1/S/carts/+/events`. A message
 * is acknowledged only after its raw events are durably stored. Whatever the owner had not
 * acknowledged when it died stays in the broker's session with what was queued meanwhile; the
 * next owner connects with the same client id, resumes the session and gets it all, in order.
 * If two processes ever connect with the same client id, the broker's session takeover
 * disconnects the older one.
 *
 * Pipelining. mqtt.js reads the next packet only after `handleMessage` calls back, and sends
 * the PUBACK in that callback — acknowledging after a durable write would put one database
 * commit per message on a store's critical path (~100 messages/s per store on this machine's
 * disk). So the lane calls back at once *with an error* (mqtt.js then sends no PUBACK and reads
 * on), hands the message to the cart gateway (one queue per cart: a cart's messages stay in
 * order, carts run in parallel) and sends the PUBACKs itself, in the order the messages arrived
 * (MQTT §4.6), as soon as every earlier message is stored too. The broker's in-flight window
 * (receive maximum, 32) bounds how many of one store are in progress; the process's intake limit
 * (`intake`, `mqtt.maxInFlight(Bytes)`, shared by every lane of the process; intake-limit.ts)
 * bounds them all together: a message that finds no room is called back only once admitted, so
 * mqtt.js reads nothing more from that store's session meanwhile and the broker keeps the rest,
 * while the lane keeps the connection's keep-alive itself (blocked-keepalive.ts). That PUBACK goes
 * through mqtt.js's internal `_sendPacket` (mqtt@5; checked by the scale tests).
 *
 * On any failure the lane skips nothing: it stops processing everything of that connection
 * (later messages of the same cart must not overtake the failed one), drops the connection
 * without acknowledging (the broker redelivers from the first unacknowledged message; what was
 * already stored is recognised as a duplicate) and reconnects with a fresh client and a fresh
 * gateway — a late callback of the old connection can never acknowledge a message id of the new
 * one. It reconnects only while `stillOwner()` says so, so a process that lost the store never
 * steals the session back.
 *
 * The session's id is secret. Mosquitto lets any account connect with a client id in use and take
 * that session over, subscriptions and queue included (docs/server.md "MQTT client ids"), so an id
 * a cart can work out (`{prefix}-{S}`: the store id is on every cart's topics) let a cart cut the
 * store's owner off and be handed — and acknowledge — the other carts' events. `tag` is an HMAC of
 * the store id under `sessionKey` (cluster mode: derived from `secrets.receiptKey`, the same on
 * every process and known to no cart); without a key the id is `{prefix}-{S}` as before.
 *
 * Upgrading from the guessable id: whatever an earlier version's owner left in the old session
 * (`{prefix}-{S}`) is taken first, in order, before the new session is read. The lane connects to
 * the old session (clean=false): if the broker had none, it is deleted at once (session expiry 0
 * on DISCONNECT); if it had one, the new session is made and subscribed first (so nothing
 * published from then on is missed), then the lane publishes a marker on the store's events
 * topics (`…/carts/$drain-<random>/events`: `$` starts no cart id) through the old session's
 * connection: once the marker comes back, every message queued before it has been delivered; once
 * those are stored the old session is deleted and the new one read. What both sessions got is a
 * duplicate the second time (raw-log key). An old session that gets no message for
 * `LEGACY_IDLE_MS` (no subscription: not a store's session) is deleted as it is.
 */
import { createHmac, randomBytes } from "node:crypto";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { ServerMetrics } from "../metrics/server-metrics";
import { BlockedKeepAlive } from "../mqtt/blocked-keepalive";
import { CartGateway, type CartIngestPort, type CartOutbound } from "../mqtt/cart-gateway";
import type { IntakeLimit } from "../mqtt/intake-limit";
import { EVENTS_SUBSCRIPTION, retainedEvent } from "../mqtt/retained-events";
import { errorsTopic, eventsTopic, parseCartTopic, screenTopic, TOPIC_ROOT } from "../mqtt/topics";
import type { CartError, ScreenState } from "../schemas/cart-protocol.schema";

export interface StoreLaneOptions {
  store: string;
  epoch: number;
  url: string;
  clientIdPrefix: string;
  /**
   * The secret part of the store session's id (`storeSessionClientId`): the same on every process
   * that may own the store, known to no cart. Absent: the guessable `{prefix}-{store}`.
   */
  sessionKey?: Buffer;
  username?: string;
  password?: string;
  /** the store's application service */
  ingest: CartIngestPort;
  metrics?: ServerMetrics;
  onScreen?: (store: string, cart: string, screen: ScreenState) => void;
  /** messages in progress at once (MQTT 5 receive maximum); default 32 */
  receiveMaximum?: number;
  /** the process's bound on messages taken in and not yet recorded, shared by its lanes (0121) */
  intake?: IntakeLimit;
  /** MQTT keep-alive of the store's session, seconds; default 10 */
  keepaliveSec?: number;
  /** MQTT 5 session expiry: how long the broker keeps an ownerless store's session; default 1 day */
  sessionExpirySec?: number;
  /** is this process still the store's owner? checked before connecting and per message */
  stillOwner: () => boolean;
  /** a message could not be recorded (the error decides: fenced → step down, else retry) */
  onFailure: (err: unknown) => void;
  log?: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
}

export interface LaneStatus {
  store: string;
  epoch: number;
  connected: boolean;
  /** the broker had the session (a takeover found what the previous owner left) */
  sessionPresent: boolean;
  messages: number;
  reconnects: number;
}

/** Passed to mqtt.js's handleMessage callback: "do not acknowledge, read on". */
const DEFERRED = Object.freeze(new Error("acknowledged by the store lane once stored"));

/**
 * The store session's client id: `{prefix}-{store}-{tag}`, `tag` 22 base64url characters of
 * HMAC-SHA256(sessionKey, store) — no cart can work it out; `{prefix}-{store}` without a key (the
 * id before 2026-12-06, which every cart of the store could).
 */
export function storeSessionClientId(prefix: string, store: string, sessionKey?: Buffer): string {
  const base = `${prefix}-${store}`.slice(0, 100);
  if (!sessionKey) return base;
  const tag = createHmac("sha256", sessionKey)
    .update(`skiplane store session\0${store}`)
    .digest("base64url")
    .slice(0, 22);
  return `${base}-${tag}`;
}

/** An old (guessable-id) session that delivers nothing for this long is deleted as it is. */
export const LEGACY_IDLE_MS = 5000;
const DRAIN_MARKER_PREFIX = "$drain-";

export function storeEventsFilter(store: string): string {
  return `${TOPIC_ROOT}/${store}/carts/+/events`;
}

export class StoreLane implements CartOutbound {
  private client: MqttClient | undefined;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private backoff = 200;
  private readonly st: LaneStatus;
  private gateway: CartGateway | undefined;
  /** the session id this lane reads */
  private readonly clientId: string;
  /** events topics found published retained (logged once each; retained-events.ts) */
  private readonly retainedWarned = new Set<string>();
  /** the old guessable session still to be taken (see the file comment); cleared once it is */
  private legacyId: string | undefined;

  constructor(private readonly o: StoreLaneOptions) {
    this.clientId = storeSessionClientId(o.clientIdPrefix, o.store, o.sessionKey);
    const legacy = storeSessionClientId(o.clientIdPrefix, o.store);
    this.legacyId = legacy !== this.clientId ? legacy : undefined;
    this.st = {
      store: o.store,
      epoch: o.epoch,
      connected: false,
      sessionPresent: false,
      messages: 0,
      reconnects: 0,
    };
  }

  /** Waits for the messages in progress (the caller bounds the wait). */
  async drain(): Promise<void> {
    await this.gateway?.drain();
  }

  status(): LaneStatus {
    return { ...this.st };
  }

  /** Connects (and keeps reconnecting while owner). Resolves after the first attempt. */
  async start(): Promise<void> {
    await this.connectOnce();
  }

  /** Stops now: the connection is dropped without acknowledging anything still in progress. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    this.st.connected = false;
    if (c) await c.endAsync(true).catch(() => undefined);
  }

  async publishScreen(store: string, cart: string, screen: ScreenState): Promise<void> {
    await this.publish(screenTopic(store, cart), JSON.stringify(screen), true);
  }

  async publishError(store: string, cart: string, error: CartError): Promise<void> {
    await this.publish(errorsTopic(store, cart), JSON.stringify(error), false);
  }

  /**
   * Hands the publish to mqtt.js and returns at once. Waiting for the broker's PUBACK here would
   * deadlock: it is read by the same packet pump that is waiting for the message being handled.
   * mqtt.js keeps a QoS 1 publish until it is acknowledged (and resends it after a reconnect).
   */
  private async publish(topic: string, payload: string, retain: boolean): Promise<void> {
    const c = this.client;
    if (!c) throw new Error(`store ${this.o.store}: not connected to the broker`);
    c.publish(topic, payload, { qos: 1, retain }, (err) => {
      if (err) this.o.log?.warn({ err, topic }, "screen/error publish failed");
    });
  }

  private async connectOnce(): Promise<void> {
    if (this.closed || !this.o.stillOwner()) return;
    // an old guessable-id session to take first (file comment); this connection is to it
    const legacy = this.legacyId;
    const opts: IClientOptions = {
      protocolVersion: 5,
      clean: false,
      clientId: legacy ?? this.clientId,
      properties: {
        sessionExpiryInterval: this.o.sessionExpirySec ?? 86_400,
        receiveMaximum: this.o.receiveMaximum ?? 32,
      },
      reconnectPeriod: 0,
      connectTimeout: 5000,
      keepalive: this.o.keepaliveSec ?? 10,
      resubscribe: false,
      ...(this.o.username ? { username: this.o.username } : {}),
      ...(this.o.password ? { password: this.o.password } : {}),
    };
    const client = mqtt.connect(this.o.url, { ...opts, manualConnect: true });
    this.client = client;
    // This connection's gateway: once anything fails, none of its later work may run.
    const poisoned = { yes: false };
    const ingest = this.o.ingest;
    const gateway = new CartGateway({
      ingest: {
        ingest: (store, cart, events) =>
          poisoned.yes
            ? Promise.reject(new Error("connection dropped; redelivered later"))
            : ingest.ingest(store, cart, events),
      },
      metrics: this.o.metrics,
      log: this.o.log,
      onScreen: this.o.onScreen,
      ...(this.o.intake ? { intake: this.o.intake } : {}),
    });
    gateway.attach(this);
    this.gateway = gateway;
    /** messages of this connection in arrival order, acknowledged as a stored prefix */
    const pending: { id: number | undefined; stored: boolean; marker?: boolean }[] = [];
    /** the old session's drain: its marker, and what to do once every message before it is stored */
    const drain = legacy
      ? {
          marker: `${DRAIN_MARKER_PREFIX}${randomBytes(12).toString("base64url")}`,
          /** the marker came back (or the old session stayed idle): read nothing more of it */
          reached: false,
          idle: undefined as ReturnType<typeof setTimeout> | undefined,
          done: undefined as (() => void) | undefined,
        }
      : undefined;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed || this.client !== client) return;
      failed = true;
      poisoned.yes = true;
      pending.length = 0;
      this.st.connected = false;
      this.client = undefined;
      // drop without acknowledging: the broker keeps everything unacknowledged for the next try
      client.end(true);
      if (err) this.o.onFailure(err);
      this.scheduleReconnect();
    };
    const sendPacket = (
      client as unknown as { _sendPacket(p: object, cb?: () => void): void }
    )._sendPacket.bind(client);
    const flush = () => {
      while (pending.length > 0 && pending[0].stored) {
        const m = pending.shift() as { id: number | undefined; marker?: boolean };
        if (m.id !== undefined) sendPacket({ cmd: "puback", messageId: m.id, reasonCode: 0 });
        if (!m.marker) this.st.messages++;
      }
      if (drain?.reached && pending.length === 0) drain.done?.();
    };
    /** the old session is taken: nothing more is read from it; done once what came before is stored */
    const drainReached = () => {
      if (!drain || drain.reached) return;
      drain.reached = true;
      if (drain.idle) clearTimeout(drain.idle);
      flush();
    };
    const drainIdle = () => {
      if (!drain || drain.reached) return;
      if (drain.idle) clearTimeout(drain.idle);
      drain.idle = setTimeout(drainReached, LEGACY_IDLE_MS);
      drain.idle.unref();
    };
    const keepAlive = BlockedKeepAlive.of(client);
    client.handleMessage = (packet, callback) => {
      if (this.client !== client || failed) return; // an old connection: never acknowledge
      // the old session, taken: what follows the marker is in the new session too (read on, never
      // acknowledged: deleted with the old session)
      if (drain?.reached) return callback(DEFERRED);
      if (!this.o.stillOwner()) return fail(undefined);
      const entry: (typeof pending)[number] = {
        id: packet.qos > 0 ? packet.messageId : undefined,
        stored: false,
      };
      pending.push(entry);
      // read on without a PUBACK (an error tells mqtt.js not to send one): we send it when stored.
      // Under the process's intake limit only once the message is taken in: until then mqtt.js
      // reads nothing more of this store's session, and the broker keeps the rest
      let readOn = false;
      let unhold: (() => void) | undefined;
      const next = () => {
        if (readOn) return;
        readOn = true;
        unhold?.();
        callback(DEFERRED);
      };
      const topic = packet.topic;
      const parsed = parseCartTopic(topic);
      if (parsed?.kind !== "events" || parsed.store !== this.o.store) {
        next();
        entry.stored = true;
        return flush();
      }
      drainIdle();
      if (parsed.cart.startsWith(DRAIN_MARKER_PREFIX)) {
        // a drain marker (no cart id starts with `$`): this connection's, or a leftover of another
        next();
        entry.stored = true;
        entry.marker = true;
        if (drain && parsed.cart === drain.marker) return drainReached();
        return flush();
      }
      // a retained copy being cleared: nothing was sent; one published retained: cleared, and taken
      if (retainedEvent(client, packet, this.retainedWarned, this.o.log) === "ignore") {
        next();
        entry.stored = true;
        return flush();
      }
      const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
      const handled = gateway.handleMessage(topic, payload, undefined, next);
      // waiting for room: mqtt.js reads nothing, not the broker's PINGRESP either, so the lane
      // keeps the keep-alive meanwhile (blocked-keepalive.ts)
      if (!readOn) unhold = keepAlive.hold();
      handled.then(
        () => {
          if (this.client !== client || failed) return;
          entry.stored = true;
          flush();
        },
        (err: unknown) => {
          next();
          fail(err);
        },
      );
    };
    client.on("close", () => fail(undefined));
    client.on("error", (err) =>
      this.o.log?.warn({ err, store: this.o.store }, "store session: broker error"),
    );
    const connected = new Promise<boolean>((resolve) => {
      client.once("connect", (ack) => {
        this.st.sessionPresent = Boolean(ack.sessionPresent);
        resolve(true);
      });
      client.once("close", () => resolve(false));
    });
    client.connect();
    if (!(await connected) || this.client !== client) return;
    if (drain) {
      if (this.st.sessionPresent) {
        const drained = new Promise<void>((resolve) => {
          drain.done = resolve;
        });
        try {
          // the new session first, subscribed: from now on nothing is missed by it
          await this.prepareSession();
        } catch (err) {
          return fail(err);
        }
        if (this.client !== client) return;
        // QoS 1 as the queued messages (a QoS 0 one could overtake them); its PUBACK is awaited
        // before the DISCONNECT, which would otherwise wait for it
        const sent = new Promise<void>((resolve) =>
          client.publish(eventsTopic(this.o.store, drain.marker), "", { qos: 1 }, (err) => {
            if (err) this.o.log?.warn({ err, store: this.o.store }, "store session: drain marker not sent");
            resolve();
          }),
        );
        drainIdle();
        const closed = new Promise<void>((r) => client.once("close", () => r()));
        await Promise.race([Promise.all([drained, sent]), closed]);
        if (this.client !== client || failed) return; // failed meanwhile: drained again on reconnect
        this.o.log?.info(
          { store: this.o.store, messages: this.st.messages },
          "store session: the old session's messages taken",
        );
      }
      // the old session is deleted (session expiry 0) and the new one read
      this.client = undefined;
      this.legacyId = undefined;
      await client
        .endAsync(false, { reasonCode: 0, properties: { sessionExpiryInterval: 0 } })
        .catch(() => undefined);
      return this.connectOnce();
    }
    try {
      // Always (re)subscribe: harmless on a resumed session, required on a new or expired one.
      // nothing retained at subscribe time, and a retained send arrives flagged (retained-events.ts)
      await client.subscribeAsync(storeEventsFilter(this.o.store), EVENTS_SUBSCRIPTION);
    } catch (err) {
      return fail(err);
    }
    if (this.client !== client) return;
    this.st.connected = true;
    this.backoff = 200;
    this.o.log?.info(
      { store: this.o.store, epoch: this.o.epoch, sessionPresent: this.st.sessionPresent },
      "store session connected",
    );
  }

  /**
   * Makes the store's (secret-id) session exist and subscribed, and leaves it: whatever it already
   * held is left unacknowledged, so it stays queued for the lane.
   */
  private async prepareSession(): Promise<void> {
    const c = await mqtt.connectAsync(this.o.url, {
      protocolVersion: 5,
      clean: false,
      clientId: this.clientId,
      properties: { sessionExpiryInterval: this.o.sessionExpirySec ?? 86_400, receiveMaximum: 1 },
      reconnectPeriod: 0,
      connectTimeout: 5000,
      resubscribe: false,
      ...(this.o.username ? { username: this.o.username } : {}),
      ...(this.o.password ? { password: this.o.password } : {}),
    });
    c.handleMessage = (_packet, callback) => callback(DEFERRED);
    try {
      await c.subscribeAsync(storeEventsFilter(this.o.store), EVENTS_SUBSCRIPTION);
    } finally {
      await c.endAsync(true).catch(() => undefined);
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, 2000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.st.reconnects++;
      void this.connectOnce();
    }, wait);
  }
}
