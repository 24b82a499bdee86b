/**
 * The cart screen's link to the server. The screen runs ON the cart, so it acts with the cart's
 * own credentials (cart id + secret, the pair the cart's MQTT client uses):
 *
 * - it follows the §5 screen state over the server's WebSocket (`/ws`, cart auth frame), and
 * - it speaks the cart protocol itself over MQTT-over-WebSocket (`/mqtt`): it publishes the
 *   shopper's replies as §1 events on its own `events` topic and also reads the retained
 *   `screen` topic (so a fresh screen has the state even before the next change) and `errors`.
 *   The broker's ACL lets the cart publish only to its own topics, as for the cart itself.
 *
 * The secret reaches the screen once, in the URL fragment (`/cart/s1/c7#secret=…`, never sent to
 * a server or written to a log), and is kept in the browser's localStorage for that cart.
 */
import type { MqttClient } from "mqtt";
import { wsUrl } from "./live";
import type { ScreenState } from "./types";

export interface CartCredentials {
  store: string;
  cart: string;
  secret: string;
}

const storageKey = (store: string, cart: string) => `skiplane.cart.${store}.${cart}`;

/** Takes the secret from the fragment (and removes it from the address bar) or from storage. */
export function loadCartCredentials(store: string, cart: string): CartCredentials | null {
  const hash = new URLSearchParams(window.location.hash.slice(1));
  const fromHash = hash.get("secret");
  if (fromHash) {
    localStorage.setItem(storageKey(store, cart), fromHash);
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
    return { store, cart, secret: fromHash };
  }
  const stored = localStorage.getItem(storageKey(store, cart));
  return stored ? { store, cart, secret: stored } : null;
}

export function saveCartSecret(store: string, cart: string, secret: string): void {
  localStorage.setItem(storageKey(store, cart), secret);
}
export function forgetCartSecret(store: string, cart: string): void {
  localStorage.removeItem(storageKey(store, cart));
}

export type CartReply =
  | { type: "answer"; prompt: string; sku?: string; choice?: string }
  | { type: "plu"; plu: string }
  | { type: "barcode"; code: string };

let counter = 0;
/** A unique event id: ingest is idempotent on it, so a redelivered publish is harmless. */
function eventId(): string {
  counter += 1;
  const rnd =
    typeof crypto.randomUUID === "function"
      ? crypto.randomUUID().slice(0, 8)
      : `${Math.random()}`.slice(2, 10);
  return `scr-${Date.now().toString(36)}-${counter}-${rnd}`;
}

const topics = (c: CartCredentials) => {
  const base = `skiplane/v1/${c.store}/carts/${c.cart}`;
  return { events: `${base}/events`, screen: `${base}/screen`, errors: `${base}/errors` };
};

export interface CartLink {
  send(reply: CartReply): Promise<void>;
  close(): void;
}

/**
 * Connects the cart's MQTT session. `onScreen` gets the retained and later screen states,
 * `onError` the server's rejections of this cart's messages, `onStatus` the connection state.
 */
export async function connectCart(
  c: CartCredentials,
  handlers: {
    onScreen: (s: ScreenState) => void;
    onError: (e: { id?: string; reason: string; detail?: string }) => void;
    onStatus: (s: "connected" | "offline" | "unauthorized") => void;
  },
): Promise<CartLink> {
  // loaded on demand: only the cart screen needs an MQTT client
  const { default: mqtt } = await import("mqtt");
  const t = topics(c);
  const client: MqttClient = mqtt.connect(wsUrl("/mqtt"), {
    username: c.cart,
    password: c.secret,
    clientId: `${c.cart}-screen-${Math.random().toString(36).slice(2, 10)}`,
    protocolVersion: 4,
    reconnectPeriod: 2000,
    connectTimeout: 10_000,
    clean: true,
    // A ping every 20 s: the broker drops a silent client after 1.5 × this, so a dead link shows
    // "offline" within half a minute instead of a shopper tapping into it for 90 s.
    keepalive: 20,
    // mqtt.js's default browser timer runs in a Worker made from a blob: URL, which the app's
    // Content-Security-Policy (script-src 'self') forbids: no ping was ever sent, and the broker
    // closed an idle cart screen's connection every 90 s. Plain timers are enough on a cart,
    // whose screen is never a background tab.
    timerVariant: "native",
  });
  client.on("connect", () => {
    handlers.onStatus("connected");
    client.subscribe([t.screen, t.errors], { qos: 1 });
  });
  client.on("close", () => handlers.onStatus("offline"));
  client.on("error", (err) => {
    const code = (err as { code?: number }).code;
    if (code === 4 || code === 5 || code === 134 || code === 135) {
      handlers.onStatus("unauthorized");
      client.end(true);
    }
  });
  client.on("message", (topic, payload) => {
    let data: unknown;
    try {
      data = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      return;
    }
    if (topic === t.screen && data && typeof data === "object") handlers.onScreen(data as ScreenState);
    else if (topic === t.errors && data && typeof data === "object")
      handlers.onError(data as { reason: string });
  });
  return {
    send(reply) {
      const event = { v: 1, t: Date.now(), store: c.store, cart: c.cart, id: eventId(), ...reply };
      return new Promise((resolve, reject) => {
        if (!client.connected) {
          reject(new Error("The cart is offline — try again in a moment."));
          return;
        }
        client.publish(t.events, JSON.stringify(event), { qos: 1 }, (err) => (err ? reject(err) : resolve()));
      });
    },
    close() {
      client.end(true);
    },
  };
}
