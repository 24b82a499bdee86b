/**
 * Topics of walk-out store devices: an additive extension of the cart protocol (exchange-v1 §5),
 * which defines none for the store-level events of §1. See docs/walkout.md, "In the server".
 *
 * | topic | direction | payload |
 * |---|---|---|
 * | `skiplane/v1/{store}/devices/{device}/events` | device → server, QoS 1 | one §1 walk-out event, or an array in time order |
 * | `skiplane/v1/{store}/devices/{device}/errors` | server → device | `{"id"?, "reason", "detail"?}` per event refused |
 *
 * A device connects with `{store}/{device}` as its MQTT username (a cart's username is its bare
 * id, and ids cannot hold `/`, so the two never collide) and its secret as the password.
 */
import { TOPIC_ROOT } from "./topics";

export const ALL_DEVICE_EVENTS = `${TOPIC_ROOT}/+/devices/+/events`;

export type DeviceTopicKind = "events" | "errors";

export function deviceTopic(store: string, device: string, kind: DeviceTopicKind): string {
  return `${TOPIC_ROOT}/${store}/devices/${device}/${kind}`;
}

/** `skiplane/v1/{store}/devices/{device}/{kind}` → its parts; undefined for any other topic. */
export function parseDeviceTopic(
  topic: string,
): { store: string; device: string; kind: DeviceTopicKind } | undefined {
  const parts = topic.split("/");
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT || parts[3] !== "devices")
    return undefined;
  const [, , store, , device, kind] = parts;
  if (!store || !device || /[+#]/.test(store + device)) return undefined;
  if (kind !== "events" && kind !== "errors") return undefined;
  return { store, device, kind };
}

/** The MQTT username of a device. */
export function deviceUsername(store: string, device: string): string {
  return `${store}/${device}`;
}

/** `{store}/{device}` → its parts; undefined for a cart's (or anyone else's) username. */
export function parseDeviceUsername(username: string): { store: string; device: string } | undefined {
  const i = username.indexOf("/");
  if (i <= 0 || i !== username.lastIndexOf("/") || i === username.length - 1) return undefined;
  return { store: username.slice(0, i), device: username.slice(i + 1) };
}
