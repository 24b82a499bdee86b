/**
 * Live updates over WebSocket (`/ws`): a cart screen view follows its cart, the dashboard and
 * the review console follow their store.
 *
 * Frames are JSON, validated with zod. The first frame authenticates — browsers cannot set an
 * Authorization header on a WebSocket, and a key in the URL would end up in access logs:
 *   → {"type":"auth","key":"skl_…"}                       staff: API key, store-scoped
 *   → {"type":"auth","cart":"cart-01","secret":"…"}        a cart's own screen
 *   ← {"type":"ready","as":"operator"|…}
 *   → {"type":"subscribe","store":"demo"}                 every cart screen + store events
 *   → {"type":"subscribe","store":"demo","cart":"cart-01"} one cart's screen
 *   ← {"type":"screen","store","cart","screen":{…§5…}}    (the last known one right away)
 *   ← {"type":"store","store","event":{"kind":…}}          session/review/payment changes
 *   ← {"type":"error","reason","detail"}                   then, for auth failures, close 4401/4403
 * An address with too many failed auth frames (and 401s) this minute is refused unchecked: 4429.
 */
import type { FastifyInstance } from "fastify";
import type { WebSocket } from "ws";
import { z } from "zod";
import { type AuthFailureLimit, limitKey } from "../auth/auth-failure-limit";
import type { ScreenState } from "../schemas/cart-protocol.schema";
import { idSchema } from "../schemas/sensor-event.schema";

/**
 * Who a socket authenticated as. `keyId`/`keyHash` (staff) and `secretHash` (cart) name the
 * credential it was let in with — never the secret — so it can be checked again later.
 */
export type LivePrincipal =
  | { kind: "staff"; scope: string; role: string; keyId?: string; keyHash?: string }
  | { kind: "cart"; store: string; cart: string; secretHash?: string };

export interface LiveAuthenticator {
  byKey(key: string): Promise<LivePrincipal | undefined>;
  byCart(cart: string, secret: string): Promise<LivePrincipal | undefined>;
  /**
   * The credential `p` was let in with still stands (key not revoked; cart not revoked, same
   * secret). Absent: a socket, once in, is never checked again.
   */
  stillValid?(p: LivePrincipal): Promise<boolean>;
}

const frameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("auth"), key: z.string().min(1).max(500) }).strict(),
  z.object({ type: z.literal("auth-cart"), cart: idSchema, secret: z.string().min(1).max(500) }).strict(),
  z.object({ type: z.literal("subscribe"), store: idSchema, cart: idSchema.optional() }).strict(),
  z.object({ type: z.literal("unsubscribe"), store: idSchema, cart: idSchema.optional() }).strict(),
  z.object({ type: z.literal("ping") }).strict(),
]);

/** `{"type":"auth","cart","secret"}` is accepted too (normalised to auth-cart). */
function normalise(raw: unknown): unknown {
  if (raw && typeof raw === "object" && (raw as { type?: unknown }).type === "auth" && "cart" in raw) {
    return { ...(raw as object), type: "auth-cart" };
  }
  return raw;
}

interface Conn {
  socket: WebSocket;
  /** the client's address and the limit on its failed authentications (register's) */
  from?: { address: string; limit: AuthFailureLimit };
  principal?: LivePrincipal;
  topics: Set<string>;
}

const storeTopic = (store: string) => `s:${store}`;
const cartTopicKey = (store: string, cart: string) => `c:${store}/${cart}`;
/** the store of a topic key (ids never contain "/") */
const storeOfTopic = (topic: string) => topic.slice(2).split("/")[0];

export class LiveHub {
  private readonly subs = new Map<string, Set<Conn>>();
  private readonly lastScreen = new Map<string, ScreenState>();
  private readonly conns = new Set<Conn>();

  constructor(
    private readonly auth: LiveAuthenticator,
    private readonly options: {
      maxFrameBytes?: number;
      onRejected?: (reason: string) => void;
      /**
       * A store gained its first follower (`true`) or lost its last (`false`): cluster mode
       * subscribes to that store's updates on the broker only while someone here follows it.
       */
      onInterest?: (store: string, watching: boolean) => void;
      /**
       * Every this many ms each open socket's credential is checked again (`recheck()`), so a key
       * or cart revoked in the database by any means loses its sockets within this bound
       * (config `http.authRecheckSeconds`). Absent: only `disconnectCart`/`disconnectKey`/`recheck` close them.
       */
      recheckMs?: number;
    } = {},
  ) {
    if (options.recheckMs !== undefined && auth.stillValid) {
      let running = false;
      this.recheckTimer = setInterval(() => {
        if (running) return; // a slow round (many sockets, a slow database): the next tick skips
        running = true;
        this.recheck()
          .catch(() => undefined) // the database is down: checked again next time
          .finally(() => {
            running = false;
          });
      }, options.recheckMs);
      this.recheckTimer.unref();
    }
  }

  private recheckTimer: NodeJS.Timeout | undefined;

  /** followers per store (store and cart subscriptions counted together) */
  private readonly interest = new Map<string, number>();

  private follow(store: string, delta: 1 | -1): void {
    const n = (this.interest.get(store) ?? 0) + delta;
    if (n > 0) this.interest.set(store, n);
    else this.interest.delete(store);
    if (delta === 1 && n === 1) this.options.onInterest?.(store, true);
    if (delta === -1 && n === 0) this.options.onInterest?.(store, false);
  }

  /** Stores someone follows on this process right now. */
  followedStores(): string[] {
    return [...this.interest.keys()];
  }

  get connections(): number {
    return this.conns.size;
  }

  publishScreen(store: string, cart: string, screen: ScreenState): void {
    this.lastScreen.set(cartTopicKey(store, cart), screen);
    const frame = JSON.stringify({ type: "screen", store, cart, screen });
    this.send(cartTopicKey(store, cart), frame);
    this.send(storeTopic(store), frame);
  }

  publishStore(store: string, event: { kind: string } & Record<string, unknown>): void {
    this.send(storeTopic(store), JSON.stringify({ type: "store", store, event }));
  }

  /**
   * Registers `GET /ws` on a fastify instance that has @fastify/websocket. With `limit`, an
   * address past its failed authentications has its auth frames refused unchecked (4429), and a
   * refused auth frame counts against it.
   */
  register(app: FastifyInstance, path = "/ws", limit?: AuthFailureLimit): void {
    app.get(path, { websocket: true, schema: { hide: true } }, (socket, req) =>
      this.accept(socket, limit ? { address: limitKey(req.ip), limit } : undefined),
    );
  }

  /**
   * Closes the sockets a cart authenticated with its secret (4401): called when the cart is revoked
   * or re-keyed, as the broker disconnects its MQTT sessions. Returns how many were closed.
   */
  disconnectCart(store: string, cart: string): number {
    let n = 0;
    for (const c of this.conns) {
      const p = c.principal;
      if (p?.kind !== "cart" || p.store !== store || p.cart !== cart) continue;
      this.fail(c, "revoked", "this cart was revoked or given a new secret", 4401);
      n++;
    }
    return n;
  }

  /**
   * Closes the sockets a staff member authenticated with API key `keyId` (4401): called when the
   * key is revoked through the API. Returns how many were closed.
   */
  disconnectKey(keyId: string): number {
    let n = 0;
    for (const c of this.conns) {
      const p = c.principal;
      if (p?.kind !== "staff" || p.keyId !== keyId) continue;
      this.fail(c, "revoked", "this API key was revoked", 4401);
      n++;
    }
    return n;
  }

  /**
   * Checks the credential of every authenticated socket (or of those `which` selects) again and
   * closes (4401) those whose key or cart was revoked or re-keyed since — wherever that happened:
   * the API of this or another process, or the database directly. One lookup per credential,
   * however many sockets share it. Returns how many were closed.
   */
  async recheck(which?: (p: LivePrincipal) => boolean): Promise<number> {
    const check = this.auth.stillValid?.bind(this.auth);
    if (!check) return 0;
    const byCredential = new Map<string, Conn[]>();
    for (const c of this.conns) {
      const p = c.principal;
      if (!p || (which && !which(p))) continue;
      const id =
        p.kind === "staff"
          ? `k:${p.keyHash ?? p.keyId ?? ""}`
          : `c:${p.store}/${p.cart}/${p.secretHash ?? ""}`;
      const list = byCredential.get(id);
      if (list) list.push(c);
      else byCredential.set(id, [c]);
    }
    let n = 0;
    for (const conns of byCredential.values()) {
      const p = conns[0].principal as LivePrincipal;
      if (await check(p)) continue;
      for (const c of conns) {
        if (!this.conns.has(c)) continue;
        this.fail(c, "revoked", "these credentials were revoked or replaced", 4401);
        n++;
      }
    }
    return n;
  }

  closeAll(): void {
    if (this.recheckTimer) clearInterval(this.recheckTimer);
    this.recheckTimer = undefined;
    for (const c of this.conns) c.socket.close(1001, "server shutting down");
  }

  accept(socket: WebSocket, from?: Conn["from"]): void {
    const conn: Conn = { socket, topics: new Set(), from };
    this.conns.add(conn);
    const authTimer = setTimeout(() => {
      if (!conn.principal) this.fail(conn, "auth-timeout", "authenticate within 10 s", 4401);
    }, 10_000);
    socket.on("message", (data, isBinary) => {
      void this.onFrame(conn, data as Buffer, isBinary);
    });
    socket.on("close", () => {
      clearTimeout(authTimer);
      this.conns.delete(conn);
      for (const t of conn.topics) {
        this.subs.get(t)?.delete(conn);
        this.follow(storeOfTopic(t), -1);
      }
    });
  }

  private async onFrame(conn: Conn, data: Buffer, isBinary: boolean): Promise<void> {
    const max = this.options.maxFrameBytes ?? 4096;
    if (isBinary || data.byteLength > max)
      return this.reject(conn, "bad-frame", "text frames up to 4 KiB only");
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString("utf8"));
    } catch {
      return this.reject(conn, "bad-json", "frames are JSON objects");
    }
    const r = frameSchema.safeParse(normalise(raw));
    if (!r.success) return this.reject(conn, "bad-frame", r.error.issues[0]?.message ?? "invalid frame");
    const f = r.data;
    switch (f.type) {
      case "ping":
        conn.socket.send(JSON.stringify({ type: "pong" }));
        return;
      case "auth":
      case "auth-cart": {
        if (conn.principal)
          return this.reject(conn, "already-authenticated", "one auth frame per connection");
        const waitMs = conn.from?.limit.retryAfterMs(conn.from.address) ?? 0;
        if (waitMs > 0)
          return this.fail(
            conn,
            "rate-limited",
            `too many failed authentications from this address; retry in ${Math.ceil(waitMs / 1000)} s`,
            4429,
          );
        const p = f.type === "auth" ? await this.auth.byKey(f.key) : await this.auth.byCart(f.cart, f.secret);
        if (!p) {
          conn.from?.limit.failed(conn.from.address);
          return this.fail(conn, "unauthorized", "bad credentials", 4401);
        }
        conn.principal = p;
        conn.socket.send(JSON.stringify({ type: "ready", as: p.kind === "staff" ? p.role : "cart" }));
        return;
      }
      case "subscribe":
      case "unsubscribe": {
        const p = conn.principal;
        if (!p) return this.fail(conn, "unauthorized", "authenticate first", 4401);
        const allowed =
          p.kind === "staff"
            ? p.scope === "*" || p.scope === f.store
            : p.store === f.store && f.cart === p.cart;
        if (!allowed)
          return this.fail(conn, "forbidden", `not allowed to follow ${f.store}/${f.cart ?? "*"}`, 4403);
        const topic = f.cart ? cartTopicKey(f.store, f.cart) : storeTopic(f.store);
        if (f.type === "unsubscribe") {
          if (conn.topics.delete(topic)) this.follow(f.store, -1);
          this.subs.get(topic)?.delete(conn);
          return;
        }
        if (!conn.topics.has(topic)) this.follow(f.store, 1);
        conn.topics.add(topic);
        let set = this.subs.get(topic);
        if (!set) {
          set = new Set();
          this.subs.set(topic, set);
        }
        set.add(conn);
        conn.socket.send(JSON.stringify({ type: "subscribed", store: f.store, cart: f.cart }));
        if (f.cart) {
          const screen = this.lastScreen.get(topic);
          if (screen)
            conn.socket.send(JSON.stringify({ type: "screen", store: f.store, cart: f.cart, screen }));
        }
        return;
      }
    }
  }

  private send(topic: string, frame: string): void {
    const set = this.subs.get(topic);
    if (!set) return;
    for (const c of set) if (c.socket.readyState === 1) c.socket.send(frame);
  }

  private reject(conn: Conn, reason: string, detail: string): void {
    this.options.onRejected?.(reason);
    if (conn.socket.readyState === 1) conn.socket.send(JSON.stringify({ type: "error", reason, detail }));
  }

  private fail(conn: Conn, reason: string, detail: string, code: number): void {
    this.reject(conn, reason, detail);
    conn.socket.close(code, reason);
  }
}
