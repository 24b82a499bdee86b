/**
 * One owned store's MQTT ingress: a persistent MQTT session named after the store.
 *
 * The owner of store S connects as client id `{prefix}-{S}` with clean=false (MQTT 5: session
 * expiry `sessionExpirySec`) and subscribes QoS 1 to `skiplane/v1/S/carts/+/events`. A message
 * is acknowledged only after its raw events are durably stored (the cart gateway resolves then)
 * — mqtt.js sends the PUBACK when `handleMessage` calls back, and reads the next packet only
 * after that, so one store's messages are handled strictly in order. Whatever the owner had not
 * acknowledged when it died stays in the broker's session with what was queued meanwhile; the
 * next owner connects with the same client id, resumes the session and gets it all, in order.
 * If two processes ever connect with the same client id, the broker's session takeover
 * disconnects the older one.
 *
 * On any failure the lane never skips a message: it drops the connection without acknowledging
 * (the broker redelivers from there) and reconnects with a fresh client — a late callback of the
 * old connection can then never acknowledge a message id of the new one. It reconnects only while
 * `stillOwner()` says so, so a process that lost the store never steals the session back.
 */
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { CartGateway, CartOutbound } from "../mqtt/cart-gateway";
import { errorsTopic, parseCartTopic, screenTopic, TOPIC_ROOT } from "../mqtt/topics";
import type { CartError, ScreenState } from "../schemas/cart-protocol.schema";

export interface StoreLaneOptions {
  store: string;
  epoch: number;
  url: string;
  clientIdPrefix: string;
  username?: string;
  password?: string;
  gateway: CartGateway;
  /** MQTT 5 session expiry: how long the broker keeps an ownerless store's session; default 1 day */
  sessionExpirySec?: number;
  /** is this process still the store's owner? checked before connecting and per message */
  stillOwner: () => boolean;
  /** a message could not be recorded (the error decides: fenced → step down, else retry) */
  onFailure: (err: unknown) => void;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
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

export function storeSessionClientId(prefix: string, store: string): string {
  return `${prefix}-${store}`.slice(0, 128);
}

export function storeEventsFilter(store: string): string {
  return `${TOPIC_ROOT}/${store}/carts/+/events`;
}

export class StoreLane implements CartOutbound {
  private client: MqttClient | undefined;
  private closed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private backoff = 200;
  private readonly st: LaneStatus;

  constructor(private readonly o: StoreLaneOptions) {
    this.st = {
      store: o.store,
      epoch: o.epoch,
      connected: false,
      sessionPresent: false,
      messages: 0,
      reconnects: 0,
    };
    o.gateway.attach(this);
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
    const opts: IClientOptions = {
      protocolVersion: 5,
      clean: false,
      clientId: storeSessionClientId(this.o.clientIdPrefix, this.o.store),
      properties: { sessionExpiryInterval: this.o.sessionExpirySec ?? 86_400 },
      reconnectPeriod: 0,
      connectTimeout: 5000,
      keepalive: 10,
      resubscribe: false,
      ...(this.o.username ? { username: this.o.username } : {}),
      ...(this.o.password ? { password: this.o.password } : {}),
    };
    const client = mqtt.connect(this.o.url, { ...opts, manualConnect: true });
    this.client = client;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed || this.client !== client) return;
      failed = true;
      this.st.connected = false;
      this.client = undefined;
      // drop without acknowledging: the broker keeps everything unacknowledged for the next try
      client.end(true);
      if (err) this.o.onFailure(err);
      this.scheduleReconnect();
    };
    client.handleMessage = (packet, done) => {
      if (this.client !== client || failed) return; // an old connection: never acknowledge
      if (!this.o.stillOwner()) return fail(undefined);
      const topic = packet.topic;
      const parsed = parseCartTopic(topic);
      if (parsed?.kind !== "events" || parsed.store !== this.o.store) return done();
      const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
      this.o.gateway.handleMessage(topic, payload).then(
        () => {
          if (this.client !== client || failed) return;
          this.st.messages++;
          done();
        },
        (err: unknown) => fail(err),
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
    try {
      // Always (re)subscribe: harmless on a resumed session, required on a new or expired one.
      await client.subscribeAsync(storeEventsFilter(this.o.store), { qos: 1 });
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
