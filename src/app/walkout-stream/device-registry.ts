/**
 * The walk-out store's devices (entry gate, ceiling tracker, shelf plate controllers): who may
 * publish the store-level §1 events. A device has an id unique in its store and a secret, like a
 * cart; only a hash of the secret is kept.
 *
 * Kept as an event stream (`{store}/devices/registry`: DeviceProvisioned, DeviceRevoked) in the
 * store's event store rather than a new table: the SQLite and PostgreSQL adapters already hold
 * streams durably with optimistic concurrency, so provisioning needs no migration and several
 * processes see the same devices (a lookup reads the stream's tail, a few rows).
 */
import type { Clock } from "../ports/clock";
import type { EventStore } from "../ports/event-store";

export interface DeviceProvisioned {
  type: "DeviceProvisioned";
  at: number;
  device: string;
  secretHash: string;
  label?: string;
}
export interface DeviceRevoked {
  type: "DeviceRevoked";
  at: number;
  device: string;
}
export type DeviceRegistryEvent = DeviceProvisioned | DeviceRevoked;

export interface DeviceRecord {
  store: string;
  device: string;
  secretHash: string;
  revoked: boolean;
  createdAt: number;
  label?: string;
}

export function deviceRegistryStream(store: string): string {
  return `${store}/devices/registry`;
}

interface Folded {
  version: number;
  devices: Map<string, DeviceRecord>;
}

export class DeviceRegistry {
  private readonly cache = new Map<string, Folded>();

  constructor(private readonly deps: { events: EventStore<DeviceRegistryEvent>; clock: Clock }) {}

  /** Registers or re-keys a device (un-revokes it). */
  async put(store: string, device: string, secretHash: string, label?: string): Promise<void> {
    const at = this.deps.clock.now();
    const event: DeviceProvisioned = {
      type: "DeviceProvisioned",
      at,
      device,
      secretHash,
      ...(label !== undefined ? { label } : {}),
    };
    await this.append(store, event);
  }

  /** Returns false when the device does not exist. */
  async revoke(store: string, device: string): Promise<boolean> {
    if (!(await this.get(store, device))) return false;
    await this.append(store, { type: "DeviceRevoked", at: this.deps.clock.now(), device });
    return true;
  }

  async get(store: string, device: string): Promise<DeviceRecord | undefined> {
    const r = (await this.load(store)).devices.get(device);
    return r ? { ...r } : undefined;
  }

  async list(store: string): Promise<DeviceRecord[]> {
    return [...(await this.load(store)).devices.values()]
      .map((d) => ({ ...d }))
      .sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : 0));
  }

  private async append(store: string, event: DeviceRegistryEvent): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const f = await this.load(store);
      const r = await this.deps.events.append(deviceRegistryStream(store), [event], {
        expectedVersion: f.version,
        meta: { source: "workflow" },
        recordedAt: this.deps.clock.now(),
      });
      if (r.status === "appended") {
        await this.load(store);
        return;
      }
    }
    throw new Error(`device registry of ${store} kept changing under us`);
  }

  /** Folds the stream's new events into the cached state (other processes may have appended). */
  private async load(store: string): Promise<Folded> {
    let f = this.cache.get(store);
    if (!f) {
      f = { version: 0, devices: new Map() };
      this.cache.set(store, f);
    }
    const { events } = await this.deps.events.readStream(deviceRegistryStream(store), f.version + 1);
    for (const e of events) {
      const d = e.data;
      switch (d.type) {
        case "DeviceProvisioned": {
          const old = f.devices.get(d.device);
          f.devices.set(d.device, {
            store,
            device: d.device,
            secretHash: d.secretHash,
            revoked: false,
            createdAt: old?.createdAt ?? d.at,
            ...(d.label !== undefined ? { label: d.label } : old?.label ? { label: old.label } : {}),
          });
          break;
        }
        case "DeviceRevoked": {
          const old = f.devices.get(d.device);
          if (old) old.revoked = true;
          break;
        }
      }
      f.version = e.version;
    }
    return f;
  }
}
