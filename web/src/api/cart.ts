/**
 * The cart screen's link to the server. The screen runs ON the cart, so it acts with the cart's
 * own credentials (cart id + secret, the same pair the cart's MQTT client uses): it reads the
 * §5 screen state and sends §1 events (answers, produce codes) as the cart.
 *
 * The secret reaches the screen once, in the URL fragment (`/cart/s1/c7#secret=…`, never sent to
 * a server or written to a log), and is kept in the browser's localStorage for that cart.
 */

import { request } from "./http";
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

function authHeader(c: CartCredentials): Record<string, string> {
  return { authorization: `Basic ${btoa(`${c.cart}:${c.secret}`)}` };
}

const cartPath = (c: CartCredentials) =>
  `/api/v1/stores/${encodeURIComponent(c.store)}/carts/${encodeURIComponent(c.cart)}`;

export function fetchScreen(c: CartCredentials, signal?: AbortSignal): Promise<ScreenState> {
  return request<ScreenState>(`${cartPath(c)}/screen`, { headers: authHeader(c), signal });
}

export type CartReply =
  | { type: "answer"; prompt: string; sku?: string; choice?: string }
  | { type: "plu"; plu: string }
  | { type: "barcode"; code: string };

let counter = 0;
/** A unique event id: ingest is idempotent on it, so a retried POST is harmless. */
function eventId(): string {
  counter += 1;
  const rnd = typeof crypto.randomUUID === "function" ? crypto.randomUUID() : `${Math.random()}`.slice(2);
  return `scr-${Date.now().toString(36)}-${counter}-${rnd}`;
}

/** Sends one §1 event as the cart; returns when the server accepted it. */
export async function sendCartEvent(c: CartCredentials, reply: CartReply): Promise<void> {
  const event = { v: 1, t: Date.now(), store: c.store, cart: c.cart, id: eventId(), ...reply };
  await request(`${cartPath(c)}/events`, { method: "POST", body: event, headers: authHeader(c) });
}
