/**
 * The server's own client of a real Mosquitto with dynamic security, as the external-broker tests
 * connect it (ExternalBroker, no HTTP, no database): its broker account made through the dynsec
 * admin, then connected with a CartGateway over the test's ingest.
 */
import type { MqttClient } from "mqtt";
import { CartGateway, type CartIngestPort } from "../../../src/adapters/mqtt/cart-gateway";
import { ExternalBroker } from "../../../src/adapters/mqtt/external-broker";
import type { DynsecMosquitto, TestMosquitto } from "../../support/mosquitto";

/** The server's broker account in these tests. */
export const SERVER_ACCOUNT = { username: "skiplane-server", password: "server-secret" };

/**
 * Makes SERVER_ACCOUNT on `mosq` and connects the server with it, its carts' events going to
 * `ingest`; `clientId`: none, the server's default (as `skiplane serve` without mqtt.clientId).
 * Dynamic security is not enabled yet: the test calls `enableDynsec()` next, once any listener of
 * its own is on the client.
 */
export async function connectServerClient(
  mosq: DynsecMosquitto,
  ingest: CartIngestPort,
  clientId?: string,
): Promise<ExternalBroker> {
  await ExternalBroker.bootstrapDynsec({ url: mosq.url, admin: mosq.admin, server: SERVER_ACCOUNT });
  return ExternalBroker.connect({
    url: mosq.url,
    gateway: new CartGateway({ ingest }),
    ...SERVER_ACCOUNT,
    ...(clientId ? { clientId } : {}),
  });
}

/** The end of such a test (afterAll): its carts' clients ended, the server's closed, Mosquitto stopped. */
export async function closeServerClient(
  clients: MqttClient[],
  server: ExternalBroker | undefined,
  mosq: TestMosquitto | undefined,
): Promise<void> {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  await server?.close();
  await mosq?.stop();
}
