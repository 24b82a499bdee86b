/**
 * Walk-out devices on an external broker (Mosquitto …), beside the carts of external-broker.ts:
 *
 * - consume: subscribe to every device events topic with QoS 1 (shared, like the carts) and
 *   acknowledge a message only once the device gateway has recorded it;
 * - answer: publish refusals on the device's errors topic;
 * - security with Mosquitto dynamic security (`mqtt.auth = "dynsec"`): a device is a dynsec
 *   client named `{store}/{device}` with a role `skiplane-device-{store}/{device}` allowing
 *   exactly publishClientSend on its events topic and subscribePattern on its errors topic;
 *   revoking disables the client (which also disconnects it).
 */
import type { MqttClient } from "mqtt";
import type { CartError } from "../schemas/cart-protocol.schema";
import { BlockedKeepAlive } from "./blocked-keepalive";
import type { DeviceGateway, DeviceOutbound } from "./device-gateway";
import { ALL_DEVICE_EVENTS, deviceTopic, deviceUsername } from "./device-topics";
import { addClientRole, type Dynsec, ensureRole, receiveOnlyAcls } from "./external-broker";
import { EVENTS_SUBSCRIPTION, retainedEvent } from "./retained-events";
import { sharedSubscription } from "./topics";

type Done = (err?: Error) => void;
type PacketHandler = (
  packet: { topic: string; payload: Buffer | string; retain?: boolean },
  done: Done,
) => void;

/**
 * Routes the device topics of an already connected server client to the device gateway (the
 * cart topics keep going where they went) and subscribes to them.
 */
export async function attachDevicesToExternalBroker(
  client: MqttClient,
  gateway: DeviceGateway,
  options: {
    shared?: boolean;
    log?: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  } = {},
): Promise<void> {
  const carts = client.handleMessage.bind(client) as unknown as PacketHandler;
  const keepAlive = BlockedKeepAlive.of(client);
  /** events topics found published retained (logged once each) */
  const warned = new Set<string>();
  const route: PacketHandler = (packet, done) => {
    if (!gateway.accepts(packet.topic)) return carts(packet, done);
    // a retained copy being cleared: nothing was sent; one published retained: cleared, and taken
    if (retainedEvent(client, packet, warned, options.log) === "ignore") return done();
    const payload = typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload;
    // mqtt.js reads nothing until the message is recorded (its PUBACK is sent then): a long wait
    // (intake paused) must not end the connection (blocked-keepalive.ts)
    const unhold = keepAlive.hold();
    gateway.handleMessage(packet.topic, payload).then(
      () => {
        unhold();
        done();
      },
      (err: Error) => {
        unhold();
        options.log?.error({ err, topic: packet.topic }, "device message not recorded; left unacknowledged");
        done(err);
      },
    );
  };
  client.handleMessage = route as unknown as MqttClient["handleMessage"];
  const outbound: DeviceOutbound = {
    async publishDeviceError(store: string, device: string, error: CartError) {
      // not awaited: mqtt.js is waiting for the gateway that called this (see external-broker.ts)
      client.publish(deviceTopic(store, device, "errors"), JSON.stringify(error), { qos: 1 }, (err) => {
        if (err) options.log?.warn({ err, store, device }, "device error publish failed");
      });
    },
  };
  gateway.attach(outbound);
  const filter = options.shared === false ? ALL_DEVICE_EVENTS : sharedSubscription(ALL_DEVICE_EVENTS);
  // nothing retained at subscribe time, and a retained send arrives flagged (retained-events.ts)
  await client.subscribeAsync(filter, EVENTS_SUBSCRIPTION);
}

/**
 * The device's dynsec role: `skiplane-device-{store}/{device}` — ids cannot hold `/`, so no two
 * devices share one. The old `skiplane-device-{store}-{device}` did: store `a` + device `b-c`
 * and store `a-b` + device `c`, and provisioning one deleted the other's rights (0122).
 */
function roleOf(store: string, device: string): string {
  return `skiplane-device-${deviceUsername(store, device)}`;
}

/** The role name before 0122, ambiguous: taken off this device's client, never deleted or edited. */
function legacyRoleOf(store: string, device: string): string {
  return `skiplane-device-${store}-${device}`;
}

/** Creates (or re-keys and re-enables) the device's dynsec client and its role. */
export async function dynsecProvisionDevice(
  d: Dynsec,
  store: string,
  device: string,
  secret: string,
): Promise<void> {
  const rolename = roleOf(store, device);
  const username = deviceUsername(store, device);
  // edited in place, never deleted and re-created: deleting a role a client holds and then
  // re-keying that client made Mosquitto 2.0 drop the connection that asked (seen re-provisioning
  // a device in test/server/mosquitto-broker.int.test.ts), as the carts' provisioning found (0122)
  await ensureRole(d, rolename, [
    { acltype: "publishClientSend", topic: deviceTopic(store, device, "events"), allow: true },
    { acltype: "subscribePattern", topic: deviceTopic(store, device, "errors"), allow: true },
    // handed only its own errors: a session of another taken over (by client id) yields nothing
    ...receiveOnlyAcls([deviceTopic(store, device, "errors")]),
  ]);
  const created = await d.run(
    { command: "createClient", username, password: secret, roles: [{ rolename }] },
    ["Client already exists"],
  );
  if (created.error) {
    await d.run({ command: "setClientPassword", username, password: secret });
    await addClientRole(d, username, rolename);
    // a device provisioned before 0122 held the ambiguous role name, maybe shared: let it go
    await d.run({ command: "removeClientRole", username, rolename: legacyRoleOf(store, device) }, [
      "Role not found",
      "Client not found",
      "Internal error",
    ]);
    await d.run({ command: "enableClient", username });
  }
}

/** Disables the device's dynsec client: refused from now on, and disconnected now. */
export async function dynsecRevokeDevice(d: Dynsec, store: string, device: string): Promise<void> {
  await d.run({ command: "disableClient", username: deviceUsername(store, device) }, ["Client not found"]);
}
