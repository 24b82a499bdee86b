/**
 * Events are input, not state: exchange-v1 §5 retains only the server's `screen` (and the presence
 * extension a cart's `status`). No ACL of Mosquitto governs the retain flag, so a cart (or a
 * walk-out device) may publish on its events topic retained, and Mosquitto (2.0.11) then hands
 * the stored event to every later subscription — a new MQTT 5 shared subscription included,
 * which the spec says it should not: a restarted server (a new client id), a cluster store lane
 * subscribing again at each acquisition, any monitoring client. The embedded broker never stores
 * one (its publish hook clears the flag).
 *
 * So the servers subscribe to events with `EVENTS_SUBSCRIPTION`: retain handling 2 — the broker
 * hands nothing retained at subscribe time — and retain-as-published, so a message its sender
 * published retained arrives flagged. Such a message is taken as any other (the embedded broker
 * takes it too; it is a real send, live or queued for the server's session) and `retainedEvent`
 * clears the broker's copy at once with an empty retained publish. That publish reaches the
 * subscribers as an empty message — flagged retained, by retain-as-published — which is ignored,
 * not answered as bad JSON. test/server/retained-events.int.test.ts.
 */
import type { MqttClient } from "mqtt";

/** How the servers subscribe to carts' and devices' events topics (above). */
export const EVENTS_SUBSCRIPTION = { qos: 1, rh: 2, rap: true } as const;

/**
 * A delivery on an events topic flagged retained (`EVENTS_SUBSCRIPTION`): "ignore" — an empty one
 * is a retained copy being cleared (this process's or another's), nothing was sent; "take" — the
 * sender published it retained: take it as any other, its copy on the broker is being cleared
 * (logged once per topic and process); undefined — an ordinary message.
 */
export function retainedEvent(
  client: MqttClient,
  packet: { topic: string; payload: Buffer | string; retain?: boolean },
  warned: Set<string>,
  log?: { warn(obj: object, msg: string): void },
): "ignore" | "take" | undefined {
  if (!packet.retain) return undefined;
  if (packet.payload.length === 0) return "ignore";
  client.publish(packet.topic, "", { qos: 1, retain: true }, (err) => {
    if (err) log?.warn({ err, topic: packet.topic }, "clearing a retained event failed");
  });
  if (!warned.has(packet.topic)) {
    warned.add(packet.topic);
    log?.warn(
      { topic: packet.topic },
      "an event was published retained (exchange-v1 §5: not retained); cleared",
    );
  }
  return "take";
}
