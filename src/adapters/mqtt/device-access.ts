/**
 * Who may connect and publish as a walk-out store device, for the embedded broker's hooks
 * (embedded-broker.ts asks this when a username has the device form `{store}/{device}`).
 * Same rules as for carts: the secret is checked against its scrypt hash (a successful check is
 * remembered so reconnects skip scrypt), a revoked device is refused, and a device may publish
 * only on its own events topic and subscribe only to its own errors topic.
 */
import type { DeviceRecord } from "../../app/walkout-stream/device-registry";
import { type SecretHasher, scryptHasher, VerifiedSecretCache } from "./cart-credentials";
import type { DeviceGateway } from "./device-gateway";
import { deviceTopic, parseDeviceUsername } from "./device-topics";

export interface DeviceLookup {
  get(store: string, device: string): Promise<DeviceRecord | undefined>;
}

export type DeviceAuthResult =
  | { ok: true; store: string; device: string }
  | { ok: false; reason: "unknown-device" | "revoked" | "bad-secret" };

export class DeviceAccess {
  private readonly cache = new VerifiedSecretCache();
  private readonly hasher: SecretHasher;

  constructor(
    private readonly options: {
      devices: DeviceLookup;
      gateway: DeviceGateway;
      /** stores whose devices may connect (the walk-out stores this server hosts) */
      stores: () => readonly string[];
      hasher?: SecretHasher;
    },
  ) {
    this.hasher = options.hasher ?? scryptHasher;
  }

  /** A device's username (`{store}/{device}`), as opposed to a cart's (its bare id). */
  claims(username: string): boolean {
    return parseDeviceUsername(username) !== undefined;
  }

  async authenticate(username: string, secret: string): Promise<DeviceAuthResult> {
    const who = parseDeviceUsername(username);
    if (!who || !this.options.stores().includes(who.store)) return { ok: false, reason: "unknown-device" };
    const record = await this.options.devices.get(who.store, who.device);
    if (!record) return { ok: false, reason: "unknown-device" };
    if (record.revoked) return { ok: false, reason: "revoked" };
    let ok = this.cache.has(username, secret, record.secretHash);
    if (!ok) {
      ok = await this.hasher.verify(secret, record.secretHash);
      if (ok) this.cache.remember(username, secret, record.secretHash);
    }
    return ok ? { ok: true, store: who.store, device: who.device } : { ok: false, reason: "bad-secret" };
  }

  /** Forgets a re-keyed or revoked device's verified secret. */
  forget(username: string): void {
    this.cache.forget(username);
  }

  mayPublish(id: { store: string; device: string }, topic: string): boolean {
    return topic === deviceTopic(id.store, id.device, "events");
  }

  maySubscribe(id: { store: string; device: string }, topic: string): boolean {
    return topic === deviceTopic(id.store, id.device, "errors");
  }

  /** Is this a device events topic (privileged publishers' messages go to the gateway too)? */
  isEventsTopic(topic: string): boolean {
    return this.options.gateway.accepts(topic);
  }

  handleMessage(topic: string, payload: Buffer): Promise<void> {
    return this.options.gateway.handleMessage(topic, payload);
  }
}
