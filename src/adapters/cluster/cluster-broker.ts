/**
 * A cluster process's own connection to the broker, beside the per-store sessions of the lanes
 * (decision 0203). It does two things the store API needs on every process:
 *
 * - **Cart credentials**: with `mqtt.auth = dynsec` it sends Mosquitto dynamic-security commands,
 *   exactly as the single-process external broker does (the same functions), so a cart
 *   provisioned or revoked through any process is admitted or refused by the broker.
 * - **Live updates across processes**: a WebSocket client may be connected to any process, while
 *   only the store's owner computes its screens. The owner already publishes every cart screen
 *   *retained* on `skiplane/v1/{store}/carts/{cart}/screen` (exchange-v1 §5) and, from this
 *   module, the store's session/review/payment changes on `skiplane/v1/{store}/live` (QoS 1, not
 *   retained; a server-side topic, not part of the cart protocol — carts' dynsec roles do not grant
 *   it). A process subscribes to a store's two filters only while one of its WebSocket clients
 *   follows that store (LiveHub's interest callback): the broker hands it the retained screens at
 *   once — the "last known screen" of a newly followed cart, whoever owns the store — and every
 *   later change. Every process, the owner included, feeds its WebSocket clients from the broker,
 *   so a store moving between processes neither duplicates nor drops a frame for a follower.
 */
import mqtt, { type MqttClient } from "mqtt";
import { z } from "zod";
import {
  Dynsec,
  type DynsecCartMigration,
  dynsecMigrateCarts,
  dynsecProvisionCart,
  dynsecRevokeCart,
} from "../mqtt/external-broker";
import { parseRevocation, REVOKED_FILTER, type Revocation, storeRevokedTopic } from "../mqtt/revocation-bus";
import { parseCartTopic, TOPIC_ROOT } from "../mqtt/topics";
import { type ScreenState, screenStateSchema } from "../schemas/cart-protocol.schema";
import { LiveHub } from "../ws/live-hub";

/** The server-side topic of a store's live changes (exit, dispute, review decided). */
export function storeLiveTopic(store: string): string {
  return `${TOPIC_ROOT}/${store}/live`;
}
const storeScreensFilter = (store: string) => `${TOPIC_ROOT}/${store}/carts/+/screen`;

const storeEventSchema = z.object({ kind: z.string().min(1).max(64) });

// the revocation bus (skiplane/v1/{store}/revoked): src/adapters/mqtt/revocation-bus.ts
export { type Revocation, storeRevokedTopic } from "../mqtt/revocation-bus";

export interface ClusterBrokerOptions {
  url: string;
  username?: string;
  password?: string;
  clientId: string;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * A LiveHub whose store events go out through the broker (to every process, this one included)
 * and come back in through `deliverStore`; screens come in through `publishScreen` from the
 * broker subscription only.
 */
export class BrokerLiveHub extends LiveHub {
  outbound: ((store: string, event: { kind: string } & Record<string, unknown>) => void) | undefined;

  override publishStore(store: string, event: { kind: string } & Record<string, unknown>): void {
    this.outbound?.(store, event);
  }

  /** A store event received from the broker: to this process's followers. */
  deliverStore(store: string, event: { kind: string } & Record<string, unknown>): void {
    super.publishStore(store, event);
  }
}

export class ClusterBroker {
  private dynsec: Dynsec | undefined;
  private hub: BrokerLiveHub | undefined;
  private onRevoked: ((store: string, r: Revocation) => void) | undefined;
  private readonly watched = new Set<string>();
  private connected = true;

  private constructor(
    readonly client: MqttClient,
    private readonly o: ClusterBrokerOptions,
  ) {}

  static async connect(o: ClusterBrokerOptions): Promise<ClusterBroker> {
    const client = await mqtt.connectAsync(o.url, {
      protocolVersion: 5,
      clean: true,
      clientId: o.clientId,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      // a clean session forgets subscriptions: mqtt.js subscribes again after a reconnect
      resubscribe: true,
      ...(o.username ? { username: o.username } : {}),
      ...(o.password ? { password: o.password } : {}),
    });
    const self = new ClusterBroker(client, o);
    client.on("connect", () => {
      self.connected = true;
    });
    client.on("close", () => {
      self.connected = false;
    });
    client.on("error", (err) => o.log?.warn({ err }, "cluster broker connection error"));
    client.on("message", (topic, payload) => self.onMessage(topic, payload));
    return self;
  }

  ready(): boolean {
    return this.connected;
  }

  // ---- cart credentials ------------------------------------------------------------------------

  async enableDynsec(): Promise<void> {
    this.dynsec = new Dynsec(this.client);
    await this.dynsec.start();
  }

  get dynsecEnabled(): boolean {
    return this.dynsec !== undefined;
  }

  /** The dynsec control channel, when enabled (the revoked-cart sweep, mqtt/revoked-cart-accounts.ts). */
  get dynsecControl(): Dynsec | undefined {
    return this.dynsec;
  }

  async provisionCart(store: string, cart: string, secret: string): Promise<void> {
    if (this.dynsec) await dynsecProvisionCart(this.dynsec, store, cart, secret);
  }

  async revokeCart(cart: string): Promise<void> {
    if (this.dynsec) await dynsecRevokeCart(this.dynsec, cart);
  }

  /** Brings the registered carts' broker accounts up to date (`dynsecMigrateCarts`). */
  async migrateCarts(
    carts: readonly { store: string; cart: string; revoked?: boolean }[],
  ): Promise<DynsecCartMigration | undefined> {
    return this.dynsec ? dynsecMigrateCarts(this.dynsec, carts) : undefined;
  }

  // ---- the revocation bus (mqtt/revocation-bus.ts) -------------------------------------------------

  /** Hears every process's revocations (its own too); resolves once subscribed. */
  async listenForRevocations(handler: (store: string, r: Revocation) => void): Promise<void> {
    this.onRevoked = handler;
    await this.client.subscribeAsync(REVOKED_FILTER, { qos: 1 });
  }

  /** Tells every process that `store`'s cart or key was revoked (or the cart re-keyed). */
  async publishRevocation(store: string, r: Revocation): Promise<void> {
    await this.client.publishAsync(storeRevokedTopic(store), JSON.stringify(r), { qos: 1 });
  }

  // ---- live updates ------------------------------------------------------------------------------

  /** Feeds `hub` from the broker and sends its store events out (see the header). */
  attach(hub: BrokerLiveHub): void {
    this.hub = hub;
    hub.outbound = (store, event) => this.publishStoreEvent(store, event);
  }

  /** Follows (or stops following) a store's screens and live changes. */
  watch(store: string, watching: boolean): void {
    const filters = [storeScreensFilter(store), storeLiveTopic(store)];
    if (watching) {
      this.watched.add(store);
      this.client.subscribe(filters, { qos: 1 }, (err) => {
        if (err) this.o.log?.warn({ err, store }, "could not follow a store's live updates");
      });
    } else {
      this.watched.delete(store);
      this.client.unsubscribe(filters, (err) => {
        if (err) this.o.log?.warn({ err, store }, "could not stop following a store");
      });
    }
  }

  /** Stores followed through the broker right now. */
  watching(): string[] {
    return [...this.watched].sort();
  }

  publishStoreEvent(store: string, event: { kind: string } & Record<string, unknown>): void {
    this.client.publish(storeLiveTopic(store), JSON.stringify(event), { qos: 1 }, (err) => {
      if (err) this.o.log?.warn({ err, store }, "store event publish failed");
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync().catch(() => undefined);
  }

  private onMessage(topic: string, payload: Buffer): void {
    const revoked = parseRevocation(topic, payload);
    if (revoked) {
      this.onRevoked?.(revoked.store, revoked.revocation);
      return;
    }
    const parts = topic.split("/");
    const hub = this.hub;
    if (!hub || payload.length === 0) return; // an emptied retained screen: nothing to show
    if (parts.length === 4 && parts[3] === "live" && `${parts[0]}/${parts[1]}` === TOPIC_ROOT) {
      if (!this.watched.has(parts[2])) return;
      const event = parseJson(payload);
      if (storeEventSchema.safeParse(event).success)
        hub.deliverStore(parts[2], event as { kind: string } & Record<string, unknown>);
      return;
    }
    const t = parseCartTopic(topic);
    if (t?.kind !== "screen" || !this.watched.has(t.store)) return;
    // validated, but passed on as published (zod would strip fields a newer server adds)
    const screen = parseJson(payload);
    if (screenStateSchema.safeParse(screen).success)
      hub.publishScreen(t.store, t.cart, screen as ScreenState);
  }
}

function parseJson(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString("utf8"));
  } catch {
    return undefined;
  }
}
