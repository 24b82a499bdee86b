/**
 * The embedded MQTT broker (aedes, in-process) with the cart protocol's security (§5):
 *
 * - authenticate: username = cart id, password = the cart's secret (scrypt-hashed at rest);
 *   unknown carts and wrong secrets get "bad username or password", revoked carts "not
 *   authorized". An optional service account (config) is privileged, as is the server itself
 *   (it publishes through `broker.publish`, which no hook sees).
 * - authorizePublish: a cart may publish only to its own events topic. The message is handed to
 *   the cart gateway right here and the hook returns only once the events are recorded: aedes
 *   sends the QoS 1 PUBACK after this hook, so an acknowledged event is already durable.
 *   (aedes acknowledges QoS 1 *before* delivering to subscribers, so a subscriber-based
 *   consumer could lose acknowledged events in a crash.)
 * - authorizeSubscribe: a cart may subscribe only to its own screen and errors topics; other
 *   filters are refused in the SUBACK (0x80).
 *
 * `thread: true` runs aedes in a worker thread (broker-thread.ts): same rules, decided here on
 * the main thread, the sockets and MQTT work on the worker's event loop. The composition root
 * uses it; `thread: false` (in-process aedes) remains for tests and embedding.
 */

import { createServer, type Server } from "node:net";
import type { Duplex } from "node:stream";
import { Aedes, type AuthenticateError } from "aedes";
import { type AuthFailureLimit, limitKey } from "../auth/auth-failure-limit";
import type { ServerMetrics } from "../metrics/server-metrics";
import type { CartError, ScreenState } from "../schemas/cart-protocol.schema";
import { BrokerThread, type FromWorker } from "./broker-thread";
import { type SecretHasher, scryptHasher, VerifiedSecretCache } from "./cart-credentials";
import type { CartDirectory } from "./cart-directory";
import type { CartGateway, CartOutbound } from "./cart-gateway";
import type { DeviceAccess } from "./device-access";
import { errorsTopic, eventsTopic, parseCartTopic, screenTopic, statusTopic } from "./topics";

/** A connection: an aedes client (in-process) or its stand-in on the main thread (worker). */
interface Conn {
  close(): void;
}

type Identity =
  | { kind: "service"; username: string }
  | { kind: "cart"; store: string; cart: string; revoked: boolean }
  | { kind: "device"; store: string; device: string; username: string; revoked: boolean };

export interface EmbeddedBrokerOptions {
  gateway: CartGateway;
  directory: CartDirectory;
  hasher?: SecretHasher;
  /** TCP port; 0 picks a free one */
  port: number;
  host?: string;
  /** a privileged account (monitoring, tools); none when absent */
  service?: { username: string; password: string };
  metrics?: ServerMetrics;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** walk-out store devices (`{store}/{device}` usernames, their own topics): device-access.ts */
  devices?: DeviceAccess;
  /** run aedes in a worker thread (broker-thread.ts); default false (in-process) */
  thread?: boolean;
  /**
   * failed CONNECTs (unknown cart, wrong secret: an scrypt check each) counted per client address;
   * past the limit that address's CONNECTs are refused unchecked, "not authorized" (auth-failure-limit.ts)
   */
  authFailures?: AuthFailureLimit;
}

function authError(message: string, returnCode: 2 | 4 | 5): AuthenticateError {
  const err = new Error(message) as AuthenticateError;
  err.returnCode = returnCode;
  return err;
}

/** The account an identity is: what owns the client ids it connects with. */
function ownerOf(id: Identity): string {
  return id.kind === "cart" ? `cart:${id.cart}` : `${id.kind}:${id.username}`;
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

export class EmbeddedBroker implements CartOutbound {
  private readonly aedes: Aedes | undefined;
  private readonly thread: BrokerThread | undefined;
  private server: Server | undefined;
  private readonly identities = new WeakMap<Conn, Identity>();
  /**
   * Which account holds each client id: MQTT names a session by its client id alone, so without
   * this any cart could connect with another's id, cut it off and (clean session off) inherit its
   * session (MQTT 5 §5.4.2: "the implementation should check that the Client is authorized to use
   * the Client Identifier"). Held while a connection of the account has it, or its session is
   * kept (its last connection was not clean); `live` connections of that id, `kept` session.
   */
  private readonly clientIds = new Map<string, { owner: string; live: number; kept: boolean }>();
  private readonly clientIdOf = new WeakMap<Conn, string>();
  private readonly byCart = new Map<string, Set<Conn>>();
  private readonly byDevice = new Map<string, Set<Conn>>();
  /** the worker's connections, by its id */
  private readonly conns = new Map<number, Conn>();
  private readonly cache = new VerifiedSecretCache();
  private readonly hasher: SecretHasher;
  port = 0;

  private constructor(
    private readonly options: EmbeddedBrokerOptions,
    engine: { aedes: Aedes } | { thread: BrokerThread },
  ) {
    if ("aedes" in engine) this.aedes = engine.aedes;
    else this.thread = engine.thread;
    this.hasher = options.hasher ?? scryptHasher;
  }

  /** The in-process aedes instance (tests); not available with `thread: true`. */
  get broker(): Aedes {
    if (!this.aedes) throw new Error("the embedded broker runs in a worker thread");
    return this.aedes;
  }

  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    if (options.thread) return EmbeddedBroker.startThread(options);
    let self: EmbeddedBroker;
    const broker = await Aedes.createBroker({
      // No cap on in-flight deliveries. With aedes' default (100), publishes queue inside
      // mqemitter while slow subscribers hold the slots; once one frees, every queued publish
      // without subscribers (the events topics, consumed in authorizePublish) completes
      // synchronously, one inside the next — under load that recursion overflowed the stack and
      // killed the server (seen in bench:server with 100 carts). Inflow stays bounded anyway:
      // aedes reads a cart's next packets only after the hook has finished with the current ones.
      concurrency: 0,
      authenticate: (client, username, password, done) =>
        self.authenticate(client, username, password, done, {
          id: client.id,
          clean: client.clean,
          address: (client.conn as { remoteAddress?: string } | undefined)?.remoteAddress,
        }),
      authorizePublish: (client, packet, done) => self.authorizePublish(client, packet, done),
      authorizeSubscribe: (client, sub, done) => self.authorizeSubscribe(client, sub, done),
    });
    self = new EmbeddedBroker(options, { aedes: broker });
    broker.on("clientReady", (client) => self.onReady(client));
    broker.on("clientDisconnect", (client) => self.onGone(client));
    self.options.gateway.attach(self);
    const server = createServer(broker.handle);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
    });
    self.server = server;
    const addr = server.address();
    self.port = typeof addr === "object" && addr ? addr.port : options.port;
    return self;
  }

  private static async startThread(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    let self: EmbeddedBroker | undefined;
    const early: FromWorker[] = [];
    const thread = await BrokerThread.start({
      port: options.port,
      host: options.host ?? "0.0.0.0",
      onMessage: (m) => (self ? self.fromWorker(m) : early.push(m)),
      // without its broker the server can take no cart: fail loudly, the supervisor restarts it
      onFatal: (err) => {
        options.log?.warn({ err }, "embedded broker thread failed");
        setImmediate(() => {
          throw err;
        });
      },
    });
    self = new EmbeddedBroker(options, { thread });
    self.port = thread.port;
    self.options.gateway.attach(self);
    for (const m of early) self.fromWorker(m);
    return self;
  }

  /** A hook or connection event from the worker, answered by the same rules as in-process. */
  private fromWorker(m: FromWorker): void {
    const thread = this.thread;
    if (!thread) return;
    const conn = (c: number): Conn => {
      let ref = this.conns.get(c);
      if (!ref) {
        ref = { close: () => thread.send({ k: "close-conn", c }) };
        this.conns.set(c, ref);
      }
      return ref;
    };
    switch (m.k) {
      case "auth": {
        const ref = conn(m.c);
        this.authenticate(
          ref,
          m.u,
          m.p ? Buffer.from(m.p) : undefined,
          (err) => {
            if (err) {
              thread.send({ k: "auth", c: m.c, ok: false, msg: err.message, code: err.returnCode ?? 5 });
              return;
            }
            // online from here (before its CONNACK, as in-process): a kick right away finds it;
            // unless the connection closed while its secret was being checked
            if (this.conns.get(m.c) === ref) this.onReady(ref);
            else this.releaseClientId(ref);
            thread.send({ k: "auth", c: m.c, ok: true });
          },
          { id: m.i, clean: m.cl, address: m.a },
        );
        return;
      }
      case "pub": {
        const packet = {
          topic: m.t,
          payload: Buffer.from(m.b.buffer, m.b.byteOffset, m.b.byteLength),
          retain: m.rt,
        };
        this.authorizePublish(conn(m.c), packet, (err) =>
          thread.send(
            err ? { k: "done", r: m.r, e: err.message } : { k: "done", r: m.r, retain: packet.retain },
          ),
        );
        return;
      }
      case "sub":
        this.authorizeSubscribe(conn(m.c), { topic: m.t, qos: m.q }, (_err, sub) =>
          thread.send({ k: "sub", r: m.r, ok: !!sub }),
        );
        return;
      case "gone": {
        const ref = this.conns.get(m.c);
        this.conns.delete(m.c);
        if (ref) this.onGone(ref);
        return;
      }
    }
  }

  /**
   * Serves one MQTT-over-WebSocket connection (the HTTP server hands it over) from `address`, the
   * client's (the upgrade request's `req.ip`: behind a trusted proxy, the client it names). A bare
   * WebSocket stream has no `remoteAddress`, so before 2026-12-06 (session 12) such a CONNECT had
   * no address and its failures were neither counted nor limited; the stream now carries it as a
   * socket would, which the authenticate hook reads.
   */
  handleStream(stream: Duplex, address?: string): void {
    if (this.thread) {
      this.thread.handleStream(stream, address);
      return;
    }
    if (address) (stream as Duplex & { remoteAddress?: string }).remoteAddress = address;
    this.broker.handle(stream);
  }

  /** Carts connected right now (cart ids). */
  onlineCarts(): Set<string> {
    return new Set([...this.byCart.entries()].filter(([, s]) => s.size > 0).map(([c]) => c));
  }

  /** Disconnects a revoked (or re-keyed) cart and forgets its verified secret. */
  kick(cart: string): number {
    this.cache.forget(cart);
    const clients = [...(this.byCart.get(cart) ?? [])];
    for (const c of clients) {
      const id = this.identities.get(c);
      if (id?.kind === "cart") id.revoked = true;
      c.close();
    }
    return clients.length;
  }

  async publishScreen(store: string, cart: string, screen: ScreenState): Promise<void> {
    await this.publish(screenTopic(store, cart), JSON.stringify(screen), true);
  }

  async publishError(store: string, cart: string, error: CartError): Promise<void> {
    await this.publish(errorsTopic(store, cart), JSON.stringify(error), false);
  }

  private publish(topic: string, payload: string, retain: boolean): Promise<void> {
    if (this.thread) {
      // handed over in order; the worker makes a hook's answer wait for it (see broker-thread.ts)
      this.thread.send({ k: "publish", t: topic, b: payload, retain });
      return Promise.resolve();
    }
    return new Promise((resolve, reject) =>
      this.broker.publish(
        { cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain, dup: false },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }

  async close(): Promise<void> {
    if (this.thread) return this.thread.close();
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private refuse(reason: string): void {
    this.options.metrics?.authFailures.inc({ reason });
  }

  private authenticate(
    client: Conn,
    username: string | undefined,
    password: Buffer | undefined,
    accepted: (error: AuthenticateError | null, success: boolean | null) => void,
    session?: { id: string; clean: boolean; address?: string },
  ): void {
    // credentials first; then the client id must be free or the same account's (clientIds)
    const done = (error: AuthenticateError | null, success: boolean | null): void => {
      if (error || !success || !session) return void accepted(error, success);
      const id = this.identities.get(client);
      if (id && !this.claimClientId(client, session, ownerOf(id))) {
        this.identities.delete(client);
        this.refuse("client-id-taken");
        return void accepted(authError("this client id is held by another account", 2), false);
      }
      accepted(error, success);
    };
    const secret = password?.toString("utf8") ?? "";
    if (!username || !secret) {
      this.refuse("no-credentials");
      return void done(authError("username and password required", 4), false);
    }
    // one address guessing secrets is stopped after a few failures (each costs an scrypt check)
    const limit = this.options.authFailures;
    const from = limit && session?.address ? limitKey(session.address) : undefined;
    if (limit && from !== undefined && limit.retryAfterMs(from) > 0) {
      this.refuse("rate-limited");
      return void done(authError("too many failed authentications from this address", 5), false);
    }
    const failed = () => {
      if (limit && from !== undefined) limit.failed(from);
    };
    const service = this.options.service;
    if (service && sameString(username, service.username)) {
      if (!sameString(secret, service.password)) {
        failed();
        this.refuse("bad-secret");
        return void done(authError("bad username or password", 4), false);
      }
      this.identities.set(client, { kind: "service", username });
      return void done(null, true);
    }
    if (this.options.devices?.claims(username))
      return void this.authenticateDevice(client, username, secret, done);
    this.options.directory.lookup(username).then(
      async (record) => {
        if (!record) {
          failed();
          this.refuse("unknown-cart");
          return void done(authError("bad username or password", 4), false);
        }
        if (record.revoked) {
          this.refuse("revoked");
          return void done(authError("cart revoked", 5), false);
        }
        let ok = this.cache.has(username, secret, record.secretHash);
        if (!ok) {
          ok = await this.hasher.verify(secret, record.secretHash);
          if (ok) this.cache.remember(username, secret, record.secretHash);
        }
        if (!ok) {
          failed();
          this.refuse("bad-secret");
          return void done(authError("bad username or password", 4), false);
        }
        this.identities.set(client, { kind: "cart", store: record.store, cart: record.cart, revoked: false });
        done(null, true);
      },
      (err) => {
        this.options.log?.warn({ err }, "cart lookup failed");
        done(authError("server unavailable", 5), false);
      },
    );
  }

  private authorizePublish(
    client: Conn | null,
    packet: { topic: string; payload: Buffer | string; retain?: boolean },
    done: (error?: Error | null) => void,
  ): void {
    if (!client) return void done(null);
    const id = this.identities.get(client);
    if (!id) return void done(new Error("not authenticated"));
    const target = parseCartTopic(packet.topic);
    if (
      id.kind === "device" ||
      (id.kind === "service" && this.options.devices?.isEventsTopic(packet.topic))
    ) {
      return void this.authorizeDevicePublish(id, packet, done);
    }
    if (id.kind === "cart") {
      // its own status (the optional presence topic): allowed and passed on; presence here
      // comes from the connections themselves
      if (!id.revoked && packet.topic === statusTopic(id.store, id.cart)) return void done(null);
      if (id.revoked || packet.topic !== eventsTopic(id.store, id.cart)) {
        this.refuse(id.revoked ? "revoked" : "forbidden-publish");
        this.options.log?.warn({ cart: id.cart, topic: packet.topic }, "cart publish refused");
        return void done(new Error("not authorized"));
      }
    } else if (target?.kind !== "events") {
      return void done(null);
    }
    if (target?.kind !== "events") return void done(null);
    // events are input, not state: never keep one as a retained message
    packet.retain = false;
    const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
    this.options.gateway.handleMessage(packet.topic, payload).then(
      () => done(null),
      (err: Error) => done(err),
    );
  }

  private authorizeSubscribe(
    client: Conn,
    sub: { topic: string; qos: number },
    done: (error: Error | null, subscription?: { topic: string; qos: 0 | 1 | 2 } | null) => void,
  ): void {
    const id = this.identities.get(client);
    if (id?.kind === "service") return void done(null, sub as { topic: string; qos: 0 | 1 | 2 });
    if (id?.kind === "device" && !id.revoked && this.options.devices?.maySubscribe(id, sub.topic)) {
      return void done(null, sub as { topic: string; qos: 0 | 1 | 2 });
    }
    if (
      id?.kind === "cart" &&
      !id.revoked &&
      (sub.topic === screenTopic(id.store, id.cart) || sub.topic === errorsTopic(id.store, id.cart))
    ) {
      return void done(null, sub as { topic: string; qos: 0 | 1 | 2 });
    }
    this.refuse("forbidden-subscribe");
    done(null, null);
  }

  /** Disconnects a revoked (or re-keyed) device (`{store}/{device}`). */
  kickDevice(username: string): number {
    this.options.devices?.forget(username);
    const clients = [...(this.byDevice.get(username) ?? [])];
    for (const c of clients) {
      const id = this.identities.get(c);
      if (id?.kind === "device") id.revoked = true;
      c.close();
    }
    return clients.length;
  }

  /** Devices connected right now (`{store}/{device}` usernames). */
  onlineDevices(): Set<string> {
    return new Set([...this.byDevice.entries()].filter(([, s]) => s.size > 0).map(([d]) => d));
  }

  /** Publishes a message to a device (its errors topic): QoS 1, not retained. */
  publishToDevice(topic: string, payload: string): Promise<void> {
    return this.publish(topic, payload, false);
  }

  private authenticateDevice(
    client: Conn,
    username: string,
    secret: string,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    this.options.devices?.authenticate(username, secret).then(
      (r) => {
        if (!r.ok) {
          this.refuse(r.reason);
          return void done(
            r.reason === "revoked"
              ? authError("device revoked", 5)
              : authError("bad username or password", 4),
            false,
          );
        }
        this.identities.set(client, {
          kind: "device",
          store: r.store,
          device: r.device,
          username,
          revoked: false,
        });
        done(null, true);
      },
      (err) => {
        this.options.log?.warn({ err }, "device lookup failed");
        done(authError("server unavailable", 5), false);
      },
    );
  }

  /** A device may publish only on its own events topic; the message is recorded before the PUBACK. */
  private authorizeDevicePublish(
    id: Identity,
    packet: { topic: string; payload: Buffer | string; retain?: boolean },
    done: (error?: Error | null) => void,
  ): void {
    const devices = this.options.devices;
    if (!devices) return void done(new Error("not authorized"));
    if (id.kind === "device" && (id.revoked || !devices.mayPublish(id, packet.topic))) {
      this.refuse(id.revoked ? "revoked" : "forbidden-publish");
      this.options.log?.warn({ device: id.username, topic: packet.topic }, "device publish refused");
      return void done(new Error("not authorized"));
    }
    packet.retain = false;
    const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
    devices.handleMessage(packet.topic, payload).then(
      () => done(null),
      (err: Error) => done(err),
    );
  }

  private onReady(client: Conn): void {
    const id = this.identities.get(client);
    if (id?.kind === "device") {
      const set = this.byDevice.get(id.username) ?? new Set();
      this.byDevice.set(id.username, set.add(client));
    }
    if (id?.kind !== "cart") return;
    let set = this.byCart.get(id.cart);
    if (!set) {
      set = new Set();
      this.byCart.set(id.cart, set);
    }
    set.add(client);
    this.options.metrics?.connectedCarts.set(this.onlineCarts().size);
  }

  /** Binds `session.id` to `owner` for this connection; false when another account holds it. */
  private claimClientId(client: Conn, session: { id: string; clean: boolean }, owner: string): boolean {
    const held = this.clientIds.get(session.id);
    if (held && held.owner !== owner) return false;
    const h = held ?? { owner, live: 0, kept: false };
    h.live++;
    // the latest connection decides whether a session outlives it (clean: the broker drops it)
    h.kept = !session.clean;
    this.clientIds.set(session.id, h);
    this.clientIdOf.set(client, session.id);
    return true;
  }

  /** A connection of a client id ended: the id is free once none is left and no session is kept. */
  private releaseClientId(client: Conn): void {
    const cid = this.clientIdOf.get(client);
    if (cid === undefined) return;
    this.clientIdOf.delete(client);
    const h = this.clientIds.get(cid);
    if (!h) return;
    h.live--;
    if (h.live <= 0 && !h.kept) this.clientIds.delete(cid);
  }

  private onGone(client: Conn): void {
    this.releaseClientId(client);
    const id = this.identities.get(client);
    if (id?.kind === "device") {
      this.byDevice.get(id.username)?.delete(client);
      if (this.byDevice.get(id.username)?.size === 0) this.byDevice.delete(id.username);
    }
    if (id?.kind !== "cart") return;
    const set = this.byCart.get(id.cart);
    set?.delete(client);
    if (set && set.size === 0) this.byCart.delete(id.cart);
    this.options.metrics?.connectedCarts.set(this.onlineCarts().size);
  }
}
