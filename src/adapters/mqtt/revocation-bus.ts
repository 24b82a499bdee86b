/**
 * The revocation bus: `skiplane/v1/{store}/revoked` (server-side, QoS 1, not retained; `{store}`
 * is `*` for a head-office key). Whichever process revokes or re-keys a cart, or revokes an API
 * key, publishes it there, and every process on the same broker — itself included — checks its
 * live sockets of that cart or key again against the database (LiveHub.recheck), so they close on
 * every process, not only on the one that handled the request. Cluster processes use it over
 * their own broker connection (cluster-broker.ts); non-cluster processes sharing an external
 * broker (`mqtt.shared`) over theirs (`announcingRevocations`). A process that misses a message
 * (its broker connection was down) still closes the sockets at its next periodic recheck
 * (`http.authRecheckSeconds`).
 *
 * Why it is safe to act on a message: it carries no authority. It names a cart or a key and the
 * receiver asks its database whether that credential still holds — a forged or replayed message
 * closes nothing that is valid, it only costs the lookups (coalesced below: one at a time per
 * cart or key). On Mosquitto with dynsec only the server's role grants the topic; carts' roles
 * grant neither publishing nor subscribing it (test/server/mosquitto-broker.int.test.ts), nor do
 * devices' (their own topics only).
 */
import type { MqttClient } from "mqtt";
import { z } from "zod";
import type { BrokerCredentialSink } from "../http/storage-api-backend";
import type { LivePrincipal } from "../ws/live-hub";
import { TOPIC_ROOT } from "./topics";

export function storeRevokedTopic(store: string): string {
  return `${TOPIC_ROOT}/${store}/revoked`;
}
export const REVOKED_FILTER = `${TOPIC_ROOT}/+/revoked`;
export const revocationSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("cart"), cart: z.string().min(1).max(200) }),
  z.object({ kind: z.literal("key"), id: z.string().min(1).max(200) }),
]);
export type Revocation = z.infer<typeof revocationSchema>;

/** A message of the bus: its store and revocation; undefined for any other topic or a bad payload. */
export function parseRevocation(
  topic: string,
  payload: Buffer,
): { store: string; revocation: Revocation } | undefined {
  const parts = topic.split("/");
  if (parts.length !== 4 || parts[3] !== "revoked" || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return;
  let body: unknown;
  try {
    body = JSON.parse(payload.toString());
  } catch {
    return;
  }
  const r = revocationSchema.safeParse(body);
  return r.success ? { store: parts[2], revocation: r.data } : undefined;
}

type Log = { warn(obj: object, msg: string): void };

/**
 * What a process does on a bus message: forgets the cart's verified secret and checks its sockets
 * of that cart (in that store) or key again. One check at a time per cart or key: a message that
 * arrives while one runs makes it run once more afterwards (a burst of messages, forged or not,
 * costs two lookups, and the last message is never left unchecked).
 */
export function recheckOnRevocation(
  live: { recheck(which: (p: LivePrincipal) => boolean): Promise<number> },
  cartSecrets: { forget(cart: string): void },
  log: Log,
): (store: string, r: Revocation) => void {
  /** checks running: key → another message came meanwhile */
  const running = new Map<string, boolean>();
  const run = (key: string, store: string, r: Revocation) => {
    live
      .recheck((p) =>
        r.kind === "cart"
          ? p.kind === "cart" && p.store === store && p.cart === r.cart
          : p.kind === "staff" && p.keyId === r.id,
      )
      .catch((err: unknown) =>
        log.warn({ err, store }, "revocation recheck failed; the periodic one follows"),
      )
      .finally(() => {
        const again = running.get(key);
        running.delete(key);
        if (again) start(key, store, r);
      });
  };
  const start = (key: string, store: string, r: Revocation) => {
    running.set(key, false);
    run(key, store, r);
  };
  return (store, r) => {
    if (r.kind === "cart") cartSecrets.forget(r.cart);
    const key = r.kind === "cart" ? `c:${store}/${r.cart}` : `k:${r.id}`;
    if (running.has(key)) running.set(key, true);
    else start(key, store, r);
  };
}

/**
 * Tells every process on the broker (this one included) of a revocation, not awaited: the
 * revocation is in the database already, and a process that misses the message closes the
 * sockets at its periodic recheck; a failure is logged only.
 */
export function revocationPublisher(
  client: Pick<MqttClient, "publishAsync">,
  log: Log,
): (store: string, r: Revocation) => void {
  return (store, r) => {
    client
      .publishAsync(storeRevokedTopic(store), JSON.stringify(r), { qos: 1 })
      .catch((err: unknown) =>
        log.warn({ err, store }, "revocation not published; the periodic recheck follows"),
      );
  };
}

/**
 * Non-cluster processes on one external broker: `client` (the process's broker connection, kept
 * across reconnects) hears every process's revocations and hands them to `onRevoked`; the sink
 * returned tells every process of this one's (after `sink` did its part: dynsec, local sockets).
 * Publishing is not awaited by the API call: the revocation is in the database already, and a
 * process that misses it closes the sockets at its periodic recheck.
 */
export async function announcingRevocations(
  sink: BrokerCredentialSink,
  client: MqttClient,
  onRevoked: (store: string, r: Revocation) => void,
  log: Log,
): Promise<BrokerCredentialSink> {
  client.on("message", (topic, payload) => {
    const m = parseRevocation(topic, payload);
    if (m) onRevoked(m.store, m.revocation);
  });
  await client.subscribeAsync(REVOKED_FILTER, { qos: 1 });
  const tell = revocationPublisher(client, log);
  return {
    async cartProvisioned(store, cart, secret) {
      await sink.cartProvisioned(store, cart, secret);
      tell(store, { kind: "cart", cart });
    },
    async cartRevoked(store, cart) {
      await sink.cartRevoked(store, cart);
      tell(store, { kind: "cart", cart });
    },
    async apiKeyRevoked(store, keyId) {
      await sink.apiKeyRevoked?.(store, keyId);
      tell(store, { kind: "key", id: keyId });
    },
    online: () => sink.online(),
    ready: () => sink.ready(),
  };
}
