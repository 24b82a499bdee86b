/**
 * Topic names of the cart protocol, exchange-v1 §5. The one place they are built and parsed.
 */
export const TOPIC_ROOT = "skiplane/v1";
/** What the server subscribes to: every cart's events topic in every store. */
export const ALL_CART_EVENTS = `${TOPIC_ROOT}/+/carts/+/events`;
/**
 * Every cart's status topic (an optional, additive extension of §5: docs/server.md, "Cart
 * presence"): `{"online": true}` retained when a cart connects, `{"online": false}` its will.
 */
export const ALL_CART_STATUS = `${TOPIC_ROOT}/+/carts/+/status`;
/** MQTT 5 shared subscription group, so several server processes split the carts between them. */
export const SHARED_GROUP = "skiplane";

export type CartTopicKind = "events" | "screen" | "errors" | "status";

export function cartTopic(store: string, cart: string, kind: CartTopicKind): string {
  return `${TOPIC_ROOT}/${store}/carts/${cart}/${kind}`;
}
export const eventsTopic = (store: string, cart: string) => cartTopic(store, cart, "events");
export const screenTopic = (store: string, cart: string) => cartTopic(store, cart, "screen");
export const errorsTopic = (store: string, cart: string) => cartTopic(store, cart, "errors");
export const statusTopic = (store: string, cart: string) => cartTopic(store, cart, "status");

/** `skiplane/v1/{store}/carts/{cart}/{kind}` → its parts; undefined for any other topic. */
export function parseCartTopic(
  topic: string,
): { store: string; cart: string; kind: CartTopicKind } | undefined {
  const parts = topic.split("/");
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT || parts[3] !== "carts")
    return undefined;
  const [, , store, , cart, kind] = parts;
  if (!store || !cart || /[+#]/.test(store + cart)) return undefined;
  if (kind !== "events" && kind !== "screen" && kind !== "errors" && kind !== "status") return undefined;
  return { store, cart, kind };
}

export function sharedSubscription(filter: string, group = SHARED_GROUP): string {
  return `$share/${group}/${filter}`;
}
