/**
 * The server as a client of an external broker (Mosquitto, EMQX, HiveMQ …; mqtt@5).
 *
 * It subscribes to every cart's events topic with QoS 1 — through an MQTT 5 shared subscription
 * (`$share/skiplane/…`) so several server processes split the carts — and acknowledges each
 * message only after the cart gateway has recorded it (mqtt.js sends the PUBACK when
 * `handleMessage` calls back). With a persistent session (clean=false, session expiry 1 h) the
 * broker keeps and redelivers what was not acknowledged when the server was down. Screens are
 * published retained with QoS 1, errors with QoS 1.
 *
 * The broker enforces cart security. With Mosquitto's dynamic-security plugin
 * (`auth: "dynsec"`) the server keeps it in step: provisioning creates a dynsec client (username
 * = cart id, the secret as password) with a role allowing exactly its own three topics;
 * revoking disables the client, which also disconnects it. The server's own account needs the
 * dynsec admin rights for that (see docs/server.md).
 *
 * Presence: the broker holds the carts' connections, so the server tells which carts are online
 * from what reaches it — their status topics (subscribed without sharing, retained) and their
 * events (cart-presence.ts).
 */
import { randomBytes } from "node:crypto";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { DomainError } from "../../domain/shared/errors";
import type { CartError, ScreenState } from "../schemas/cart-protocol.schema";
import { BlockedKeepAlive } from "./blocked-keepalive";
import type { CartGateway, CartOutbound } from "./cart-gateway";
import { CartPresence, type CartPresenceOptions } from "./cart-presence";
import { EVENTS_SUBSCRIPTION, retainedEvent } from "./retained-events";
import {
  ALL_CART_EVENTS,
  ALL_CART_STATUS,
  errorsTopic,
  eventsTopic,
  parseCartTopic,
  SHARED_GROUP,
  screenTopic,
  sharedSubscription,
  statusTopic,
} from "./topics";

export interface ExternalBrokerOptions {
  url: string;
  gateway: CartGateway;
  username?: string;
  password?: string;
  clientId?: string;
  /** subscribe through `$share/skiplane/…` (MQTT 5); default true */
  shared?: boolean;
  /**
   * deliveries in progress at once (MQTT 5 receive maximum); default 65,535, the most MQTT
   * allows. Acknowledgements go in arrival order (§4.6), so one slow message holds the window
   * for every later one: with 512, 1,000 carts through Mosquitto were held to ~1,300 events/s
   * on a loaded machine (a window's worth per slowest-message latency) while the server idled.
   */
  receiveMaximum?: number;
  /** how carts without a status topic count as online (cart-presence.ts) */
  presence?: CartPresenceOptions;
  /** MQTT keep-alive, seconds; default mqtt.js's 60 (tests shorten it) */
  keepalive?: number;
  log?: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
}

const DYNSEC = "$CONTROL/dynamic-security/v1";

/**
 * The server's client id when `mqtt.clientId` is not set: with a random part. Mosquitto lets any
 * account connect with a client id in use and take that session over — its subscriptions (every
 * cart's events) and queued messages with it (docs/server.md "MQTT client ids"); the former
 * default, `skiplane-server-<pid>`, was a few thousand guesses away for any provisioned cart.
 * Each start has a new id, as each start had a new pid before.
 */
function defaultServerClientId(): string {
  return `skiplane-server-${process.pid}-${randomBytes(12).toString("base64url")}`;
}

/** Passed to mqtt.js's handleMessage callback: "do not acknowledge, read on". */
const DEFERRED = Object.freeze(new Error("acknowledged by the server once recorded"));

export class ExternalBroker implements CartOutbound {
  private connected = false;
  private dynsecClient: Dynsec | undefined;
  private readonly presence: CartPresence;

  private constructor(
    readonly client: MqttClient,
    private readonly options: ExternalBrokerOptions,
  ) {
    this.presence = new CartPresence(options.presence);
  }

  static async connect(options: ExternalBrokerOptions): Promise<ExternalBroker> {
    const opts: IClientOptions = {
      protocolVersion: 5,
      clean: false,
      clientId: options.clientId ?? defaultServerClientId(),
      // receive maximum: how many of the broker's deliveries may be in progress at once (below)
      properties: { sessionExpiryInterval: 3600, receiveMaximum: options.receiveMaximum ?? 65_535 },
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      ...(options.keepalive !== undefined ? { keepalive: options.keepalive } : {}),
      ...(options.username ? { username: options.username } : {}),
      ...(options.password ? { password: options.password } : {}),
    };
    const client = await mqtt.connectAsync(options.url, opts);
    const self = new ExternalBroker(client, options);
    self.connected = true;
    client.on("connect", () => {
      self.connected = true;
    });
    client.on("close", () => {
      self.connected = false;
    });
    client.on("error", (err) => options.log?.warn({ err }, "external broker error"));
    self.pipeline();
    options.gateway.attach(self);
    const filter = options.shared === false ? ALL_CART_EVENTS : sharedSubscription(ALL_CART_EVENTS);
    // nothing retained at subscribe time, and a retained send arrives flagged (retained-events.ts)
    await client.subscribeAsync(filter, EVENTS_SUBSCRIPTION);
    // every process sees every cart's status (not shared); the retained ones arrive at once
    await client.subscribeAsync(ALL_CART_STATUS, { qos: 1 });
    return self;
  }

  ready(): boolean {
    return this.connected;
  }

  /** Carts online now (cart ids), as far as this process can tell (see cart-presence.ts). */
  onlineCarts(): Set<string> {
    return this.presence.online();
  }

  /**
   * Pipelining. mqtt.js reads the next packet only after `handleMessage` calls back, and sends
   * the PUBACK in that callback: acknowledging after the durable write there would put one
   * group-commit round per message on the whole server's critical path (one message at a time,
   * a few hundred a second). So, as the cluster's store lanes do (src/adapters/cluster/
   * store-lane.ts), the callback is called at once *with an error* — mqtt.js then sends no
   * PUBACK and reads on — the message goes to the cart gateway (one queue per cart: a cart's
   * messages stay in order, carts run in parallel, group commit batches them), and the PUBACKs
   * are sent here once the events are recorded, in the order the messages arrived (MQTT §4.6).
   * The receive maximum bounds how many the broker sends unacknowledged; the gateway's intake
   * limit (intake-limit.ts) how many are taken in: past it mqtt.js is not called back, so it
   * reads nothing more until there is room. The PUBACK goes through mqtt.js's
   * internal `_sendPacket` (mqtt@5; test/server/mosquitto-broker.int.test.ts checks that every
   * message is acknowledged once recorded and that an unrecorded one is redelivered).
   *
   * When a message cannot be recorded (database down), nothing more of that connection is
   * acknowledged or processed: the connection is dropped and mqtt.js reconnects; with the
   * persistent session the broker redelivers, in order, from the first unacknowledged message —
   * the failed one first, so a cart's order survives the failure (messages recorded meanwhile
   * come back as duplicates, which ingest recognises). A connection that closes forgets its
   * pending acknowledgements: its message ids mean nothing on the next connection.
   */
  private pipeline(): void {
    const { client, options } = this;
    type Pending = { id: number | undefined; done: boolean };
    /** this connection's deliveries in arrival order; replaced when the connection closes */
    let conn = { pending: [] as Pending[], failed: false };
    const sendPacket = (
      client as unknown as { _sendPacket(p: object, cb?: () => void): void }
    )._sendPacket.bind(client);
    const keepAlive = BlockedKeepAlive.of(client);
    /** events topics found published retained (logged once each) */
    const warned = new Set<string>();
    const flush = (c: typeof conn) => {
      if (c !== conn || c.failed || !this.connected) return;
      while (c.pending.length > 0 && c.pending[0].done) {
        const m = c.pending.shift() as Pending;
        if (m.id !== undefined) sendPacket({ cmd: "puback", messageId: m.id, reasonCode: 0 });
      }
    };
    client.on("close", () => {
      conn = { pending: [], failed: false };
    });
    client.handleMessage = (packet, callback) => {
      // read on without a PUBACK (an error tells mqtt.js not to send one): sent once recorded.
      // Under the in-flight limit only once the gateway has taken the message in: until then
      // mqtt.js reads nothing more, and the broker keeps the rest (intake-limit.ts)
      let readOn = false;
      let unhold: (() => void) | undefined;
      const next = () => {
        if (readOn) return;
        readOn = true;
        unhold?.();
        callback(DEFERRED);
      };
      const c = conn;
      if (c.failed) return next(); // dropped: the broker sends it again
      const entry: Pending = { id: packet.qos > 0 ? packet.messageId : undefined, done: false };
      c.pending.push(entry);
      const topic = packet.topic;
      const target = parseCartTopic(topic);
      const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
      if (target?.kind === "status") this.presence.status(target.cart, payload);
      if (target?.kind !== "events" || retainedEvent(client, packet, warned, options.log) === "ignore") {
        next();
        entry.done = true;
        return flush(c);
      }
      this.presence.seen(target.cart);
      const handled = options.gateway.handleMessage(topic, payload, undefined, next);
      // not taken in at once: intake is paused, and mqtt.js reads nothing (not the broker's
      // PINGRESP either) until it is: the keep-alive is kept here meanwhile (blocked-keepalive.ts)
      if (!readOn) unhold = keepAlive.hold();
      handled.then(
        () => {
          entry.done = true;
          flush(c);
        },
        (err: Error) => {
          next();
          if (c.failed) return;
          c.failed = true;
          options.log?.error({ err, topic }, "cart message not recorded; reconnecting for its redelivery");
          client.stream?.destroy();
        },
      );
    };
  }

  async publishScreen(store: string, cart: string, screen: ScreenState): Promise<void> {
    this.client.publish(screenTopic(store, cart), JSON.stringify(screen), { qos: 1, retain: true }, (err) => {
      if (err) this.options.log?.warn({ err, store, cart }, "screen publish failed");
    });
  }

  async publishError(store: string, cart: string, error: CartError): Promise<void> {
    this.client.publish(errorsTopic(store, cart), JSON.stringify(error), { qos: 1 }, (err) => {
      if (err) this.options.log?.warn({ err, store, cart }, "error publish failed");
    });
  }

  /**
   * Ends the connection. A graceful end waits until every QoS 1 publish in flight (screens,
   * errors) is acknowledged — with the broker away that never comes, and the server's shutdown
   * hung (test/server/intake-keepalive.int.test.ts) — so without a connection the end is forced:
   * what it drops is a retained screen the next state publishes again, and the broker keeps the
   * server's unacknowledged deliveries in its session.
   */
  async close(): Promise<void> {
    await this.client.endAsync(!this.client.connected);
  }

  // ---- Mosquitto dynamic security ---------------------------------------------------------------

  /** Listens for dynsec responses; the server's account must hold the `skiplane-server` role. */
  async enableDynsec(): Promise<Dynsec> {
    this.dynsecClient = new Dynsec(this.client);
    await this.dynsecClient.start();
    return this.dynsecClient;
  }

  /** Creates (or re-keys and re-enables) the cart's dynsec client and its role. */
  async provisionCart(store: string, cart: string, secret: string): Promise<void> {
    await dynsecProvisionCart(this.requireDynsec(), store, cart, secret);
  }

  /** Disables the cart's dynsec client: refused from now on, and disconnected now. */
  async revokeCart(cart: string): Promise<void> {
    await dynsecRevokeCart(this.requireDynsec(), cart);
  }

  private requireDynsec(): Dynsec {
    if (!this.dynsecClient) throw new Error("dynamic security is not enabled for this broker (mqtt.auth)");
    return this.dynsecClient;
  }

  /**
   * One-time setup with the dynsec admin account: the `skiplane-server` role (its topics and the
   * dynsec control topic, so it can provision carts) and the server's own client with it.
   */
  static async bootstrapDynsec(options: {
    url: string;
    admin: { username: string; password: string };
    server: { username: string; password: string };
  }): Promise<void> {
    const client = await mqtt.connectAsync(options.url, {
      protocolVersion: 5,
      username: options.admin.username,
      password: options.admin.password,
      reconnectPeriod: 0,
    });
    try {
      const d = new Dynsec(client);
      await d.start();
      await d.run(
        {
          command: "createRole",
          rolename: "skiplane-server",
          acls: [
            { acltype: "publishClientSend", topic: `${DYNSEC}/#`, allow: true },
            { acltype: "publishClientReceive", topic: `${DYNSEC}/#`, allow: true },
            { acltype: "subscribePattern", topic: `${DYNSEC}/#`, allow: true },
            { acltype: "publishClientSend", topic: "skiplane/#", allow: true },
            { acltype: "publishClientReceive", topic: "skiplane/#", allow: true },
            { acltype: "subscribePattern", topic: "skiplane/#", allow: true },
            // Mosquitto 2.0 checks a shared subscription's filter with its `$share/{group}/` prefix
            { acltype: "subscribePattern", topic: `$share/${SHARED_GROUP}/skiplane/#`, allow: true },
          ],
        },
        ["Role already exists"],
      );
      const r = await d.run(
        {
          command: "createClient",
          username: options.server.username,
          password: options.server.password,
          roles: [{ rolename: "skiplane-server" }],
        },
        ["Client already exists"],
      );
      if (r.error) {
        await d.run({
          command: "setClientPassword",
          username: options.server.username,
          password: options.server.password,
        });
      }
    } finally {
      await client.endAsync();
    }
  }
}

/** A dynsec role ACL as Mosquitto lists it. */
interface DynsecAcl {
  acltype: string;
  topic: string;
  allow: boolean;
  priority?: number;
}

/** The role of one cart: `skiplane-cart-{cart}`. */
export function cartRoleName(cart: string): string {
  return `skiplane-cart-${cart}`;
}

/**
 * The messages an account of a cart or device may be handed: `topics`, nothing else. Mosquitto
 * lets an account connect with a client id in use and take that session over with its
 * subscriptions and queue (docs/server.md "MQTT client ids"); it checks publishClientReceive as it
 * hands each message to the connection, so with these a cart that took another cart's (or any
 * other) session over is handed none of its messages (measured on 2.0.11: another cart's queued
 * and live screens, without them; nothing, with them). `#` does not match `$`-topics.
 */
export function receiveOnlyAcls(topics: string[]): DynsecAcl[] {
  return [
    ...topics.map((topic) => ({ acltype: "publishClientReceive", topic, allow: true, priority: 1 })),
    { acltype: "publishClientReceive", topic: "#", allow: false, priority: 0 },
  ];
}

/** Exactly a cart's own topics: events and status out, screen and errors in. */
export function cartRoleAcls(store: string, cart: string): DynsecAcl[] {
  return [
    { acltype: "publishClientSend", topic: eventsTopic(store, cart), allow: true },
    // its presence (optional, additive): `{"online": true}` retained on connect, `false` its will
    { acltype: "publishClientSend", topic: statusTopic(store, cart), allow: true },
    { acltype: "subscribePattern", topic: screenTopic(store, cart), allow: true },
    { acltype: "subscribePattern", topic: errorsTopic(store, cart), allow: true },
    // handed only its own: a session of another taken over (by client id) yields nothing
    ...receiveOnlyAcls([screenTopic(store, cart), errorsTopic(store, cart)]),
  ];
}

/**
 * Creates (or re-keys and re-enables) a cart's dynsec client (username = cart id, the secret as
 * password) with its role (`cartRoleAcls`). Idempotent: the role is created when missing and
 * otherwise edited ACL by ACL to the wanted set, never deleted, so a connected cart keeps its
 * rights throughout and a second call changes nothing. Used by the single-process external
 * broker and by every cluster process (src/adapters/cluster).
 */
export async function dynsecProvisionCart(
  d: Dynsec,
  store: string,
  cart: string,
  secret: string,
): Promise<void> {
  const rolename = cartRoleName(cart);
  // a broker account that is not this cart's (the server's own, the dynsec admin, another
  // tenant's) is never re-keyed: its new password would go to whoever provisioned the "cart"
  if (!(await dynsecCartClaimable(d, cart)))
    throw new DomainError(
      "CART_EXISTS",
      `cart id ${cart} names another account on the broker (cart ids are MQTT usernames)`,
    );
  await ensureRole(d, rolename, cartRoleAcls(store, cart));
  const created = await d.run(
    { command: "createClient", username: cart, password: secret, roles: [{ rolename }] },
    ["Client already exists"],
  );
  if (created.error) {
    await d.run({ command: "setClientPassword", username: cart, password: secret });
    if (!(await clientRoles(d, cart)).includes(rolename)) await addClientRole(d, cart, rolename);
    await d.run({ command: "enableClient", username: cart });
  }
}

/** What `dynsecMigrateCarts` found and did. */
export interface DynsecCartMigration {
  /** carts of the registry looked at */
  checked: number;
  /** roles created or edited to the wanted ACLs (e.g. carts provisioned before the status topic) */
  rolesUpdated: number;
  /** clients given back their cart role */
  clientRoles: number;
  /** revoked carts whose broker client was still enabled, disabled now */
  disabled: number;
  /**
   * carts with no broker client: the broker refuses them, and only re-provisioning (a new secret;
   * the server keeps a hash only) can create one
   */
  missing: string[];
  /** cart ids that name a broker account that is not a cart's (left alone) */
  foreign: string[];
}

/**
 * Brings every registered cart's broker account up to date at start (the external-broker path):
 * its role to `cartRoleAcls` (carts provisioned before the status topic lacked its ACL, so the
 * broker dropped their presence), the role on its client, and a revoked cart's client disabled.
 * Two listing requests, then one request per thing to change: a second run changes nothing.
 */
export async function dynsecMigrateCarts(
  d: Dynsec,
  carts: readonly { store: string; cart: string; revoked?: boolean }[],
): Promise<DynsecCartMigration> {
  const out: DynsecCartMigration = {
    checked: 0,
    rolesUpdated: 0,
    clientRoles: 0,
    disabled: 0,
    missing: [],
    foreign: [],
  };
  if (carts.length === 0) return out;
  const roles = new Map<string, DynsecAcl[]>();
  const listed = await d.run({ command: "listRoles", verbose: true, count: -1 });
  for (const r of (listed.data?.roles ?? []) as { rolename: string; acls?: DynsecAcl[] }[]) {
    roles.set(r.rolename, r.acls ?? []);
  }
  const clients = new Map<string, { roles: Set<string>; disabled: boolean; cart: boolean }>();
  const listedClients = await d.run({ command: "listClients", verbose: true, count: -1 });
  for (const c of (listedClients.data?.clients ?? []) as {
    username: string;
    roles?: { rolename: string }[];
    groups?: { groupname: string }[];
    disabled?: boolean;
  }[]) {
    clients.set(c.username, {
      roles: new Set((c.roles ?? []).map((r) => r.rolename)),
      disabled: c.disabled === true,
      cart: isCartClient(c.username, c),
    });
  }
  for (const { store, cart, revoked } of carts) {
    out.checked++;
    const client = clients.get(cart);
    if (!client) {
      if (!revoked) out.missing.push(cart);
      continue;
    }
    if (!client.cart) {
      // a registered cart id that names another broker account: never touched (0122)
      out.foreign.push(cart);
      continue;
    }
    if (revoked) {
      if (!client.disabled) {
        await d.run({ command: "disableClient", username: cart }, ["Client not found"]);
        out.disabled++;
      }
      continue;
    }
    const rolename = cartRoleName(cart);
    if (await ensureRole(d, rolename, cartRoleAcls(store, cart), roles.get(rolename) ?? null))
      out.rolesUpdated++;
    if (!client.roles.has(rolename)) {
      await addClientRole(d, cart, rolename);
      out.clientRoles++;
    }
  }
  return out;
}

/** The roles a dynsec client holds. */
async function clientRoles(d: Dynsec, username: string): Promise<string[]> {
  const r = await d.run({ command: "getClient", username });
  return ((r.data?.client as { roles?: { rolename: string }[] } | undefined)?.roles ?? []).map(
    (x) => x.rolename,
  );
}

/**
 * Gives a client a role. Mosquitto 2.0 answers adding a role the client already has with
 * "Internal error" (callers look first, but another server process may have added it meanwhile):
 * on that answer the client's roles are read again, and only a role still missing is an error.
 */
export async function addClientRole(d: Dynsec, username: string, rolename: string): Promise<void> {
  const r = await d.run({ command: "addClientRole", username, rolename }, ["Internal error"]);
  if (r.error && !(await clientRoles(d, username)).includes(rolename)) {
    throw new Error(`dynsec addClientRole: ${r.error}`);
  }
}

/**
 * Makes role `rolename` hold exactly `acls` (`current`: its ACLs as listed, null when it does not
 * exist, undefined to ask the broker). Returns whether anything changed.
 */
export async function ensureRole(
  d: Dynsec,
  rolename: string,
  acls: DynsecAcl[],
  current?: DynsecAcl[] | null,
): Promise<boolean> {
  let have = current;
  if (have === undefined) {
    const r = await d.run({ command: "getRole", rolename }, ["Role not found"]);
    have = r.error
      ? null
      : (((r.data?.role as { acls?: DynsecAcl[] } | undefined)?.acls ?? []) as DynsecAcl[]);
  }
  if (have === null) {
    const r = await d.run({ command: "createRole", rolename, acls }, ["Role already exists"]);
    if (!r.error) return true;
    return ensureRole(d, rolename, acls); // created meanwhile (another process): edit it
  }
  const key = (a: DynsecAcl) => `${a.acltype}\u0000${a.topic}`;
  const wanted = new Map(acls.map((a) => [key(a), a]));
  let changed = false;
  for (const a of have) {
    const w = wanted.get(key(a));
    if (w && w.allow === a.allow) {
      wanted.delete(key(a));
      continue;
    }
    await d.run({ command: "removeRoleACL", rolename, acltype: a.acltype, topic: a.topic }, [
      "ACL not found",
    ]);
    changed = true;
  }
  for (const a of wanted.values()) {
    await d.run({ command: "addRoleACL", rolename, ...a }, ["ACL with this topic already exists"]);
    changed = true;
  }
  return changed;
}

/** Disables a cart's dynsec client: refused from now on, and disconnected now. Never another account. */
export async function dynsecRevokeCart(d: Dynsec, cart: string): Promise<void> {
  if (!(await dynsecCartClaimable(d, cart))) return;
  await d.run({ command: "disableClient", username: cart }, ["Client not found"]);
}

/**
 * Disables the dynsec client of a cart the registry has revoked (the periodic sweep,
 * `RevokedCartAccounts` in src/app/services/revoked-connections.ts): "nothing" when it has no
 * client, is disabled already, or names another account (0122: never touched). `stillRevoked` —
 * the registry read again — comes last before `disableClient`: a cart re-provisioned meanwhile
 * ("changed") is left enabled. (Provisioning writes the registry before it touches the client,
 * so a re-provisioning could be undone only if its whole dynsec exchange — five requests or
 * more — fit between that read and this one request.)
 */
export async function dynsecDisableRevokedCart(
  d: Dynsec,
  cart: string,
  stillRevoked: () => Promise<boolean>,
): Promise<"disabled" | "nothing" | "changed"> {
  const r = await d.run({ command: "getClient", username: cart }, ["Client not found"]);
  const client = r.data?.client as
    | { roles?: { rolename: string }[]; groups?: { groupname: string }[]; disabled?: boolean }
    | undefined;
  if (r.error || !client || client.disabled === true || !isCartClient(cart, client)) return "nothing";
  if (!(await stillRevoked())) return "changed";
  await d.run({ command: "disableClient", username: cart }, ["Client not found"]);
  return "disabled";
}

/**
 * May the cart `cart` own the dynsec client of that username? Yes when there is none, or when it
 * is a cart's: no role but the cart's own (`cartRoleName`) and no group. The server's account,
 * the dynsec admin and anything an operator made by hand hold other roles or groups, and a cart
 * id equal to their username must not re-key, re-role or disable them (security audit, 0122).
 */
export async function dynsecCartClaimable(d: Dynsec, cart: string): Promise<boolean> {
  const r = await d.run({ command: "getClient", username: cart }, ["Client not found"]);
  const client = r.data?.client as
    | { roles?: { rolename: string }[]; groups?: { groupname: string }[] }
    | undefined;
  if (r.error || !client) return true;
  return isCartClient(cart, client);
}

function isCartClient(
  cart: string,
  client: { roles?: { rolename: string }[]; groups?: { groupname: string }[] },
): boolean {
  return (
    (client.groups ?? []).length === 0 && (client.roles ?? []).every((x) => x.rolename === cartRoleName(cart))
  );
}

/** One dynsec answer: `error` when refused, `data` for the listing and getting commands. */
export interface DynsecResponse {
  command: string;
  error?: string;
  data?: Record<string, unknown>;
}

/** Request/response over Mosquitto's `$CONTROL/dynamic-security/v1` topics. */
export class Dynsec {
  private seq = 0;
  private readonly pending = new Map<string, (r: DynsecResponse) => void>();

  constructor(private readonly client: MqttClient) {}

  async start(): Promise<void> {
    this.client.on("message", (topic, payload) => {
      if (topic === `${DYNSEC}/response`) this.onResponse(payload);
    });
    await this.client.subscribeAsync(`${DYNSEC}/response`, { qos: 1 });
  }

  async run(
    command: Record<string, unknown> & { command: string },
    tolerated: string[] = [],
  ): Promise<DynsecResponse> {
    const correlationData = `skl-${process.pid}-${++this.seq}`;
    const response = new Promise<DynsecResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationData);
        reject(new Error(`dynsec ${command.command}: no response (does the account hold dynsec rights?)`));
      }, 5000);
      this.pending.set(correlationData, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    await this.client.publishAsync(DYNSEC, JSON.stringify({ commands: [{ ...command, correlationData }] }), {
      qos: 1,
    });
    const r = await response;
    if (r.error && !tolerated.some((t) => r.error?.includes(t))) {
      throw new Error(`dynsec ${command.command}: ${r.error}`);
    }
    return r;
  }

  private onResponse(payload: Buffer): void {
    let body: { responses?: (DynsecResponse & { correlationData?: string })[] };
    try {
      body = JSON.parse(payload.toString());
    } catch {
      return;
    }
    for (const r of body.responses ?? []) {
      const cb = r.correlationData ? this.pending.get(r.correlationData) : undefined;
      if (cb && r.correlationData) {
        this.pending.delete(r.correlationData);
        cb(r);
      }
    }
  }
}
