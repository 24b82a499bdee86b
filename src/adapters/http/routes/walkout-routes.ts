/**
 * The walk-out store's API, as one fastify plugin the composition root registers:
 *
 * - `GET /api/v1/stores/{store}/walkout` (read) — the store is a walk-out store: the shoppers
 *   inside (session, anonymous track id, running basket, state, review cases) and the most
 *   recent ones who left (with their receipt link), and the store's devices. 404 for a cart
 *   store: the dashboard then shows carts.
 * - `POST /api/v1/stores/{store}/devices` (admin) `{device, label?}` — provision a gate, tracker
 *   or shelf controller: its secret (shown once) and MQTT username and topics
 * - `GET /api/v1/stores/{store}/devices` (read) — devices with `online`
 * - `POST /api/v1/stores/{store}/devices/{device}/revoke` (admin) — disconnected now, refused
 *   from now on
 *
 * Same conventions as the core API: Bearer API keys with the same role table and store scope,
 * errors thrown as ApiError and turned into RFC 7807 documents by the server's error handler.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { z } from "zod";
import type { ApiKeyRecord, ApiKeyRepository, ApiRole } from "../../../app/ports/read-models";
import type { DeviceRecord } from "../../../app/walkout-stream/device-registry";
import type { ShopperView } from "../../../app/walkout-stream/walkout-service";
import { deviceTopic, deviceUsername } from "../../mqtt/device-topics";
import { idSchema } from "../../schemas/sensor-event.schema";
import { ApiError } from "../problem";
import { apiKeyHash } from "../tokens";

/** Device provisioning as the composition root wires it (registry, secret hashing, broker). */
export interface DeviceAdmin {
  /** registers or re-keys a device; the broker learns the secret (dynsec) or drops old connections */
  provision(store: string, device: string, label?: string): Promise<{ secret: string }>;
  /** false when the device does not exist; else it is disconnected and refused from now on */
  revoke(store: string, device: string): Promise<boolean>;
  list(store: string): Promise<DeviceRecord[]>;
  /** connected device usernames (`{store}/{device}`); empty when the broker cannot tell */
  onlineDevices(): Set<string>;
}

export interface WalkoutRoutesOptions {
  apiKeys: ApiKeyRepository;
  walkout: {
    isWalkout(store: string): boolean;
    shoppers(store: string, options?: { recent?: number }): Promise<ShopperView[]>;
  };
  /** every store this server hosts (a cart store answers 404 on the walk-out view) */
  hosted: () => readonly string[];
  devices: DeviceAdmin;
  /** the shopper's receipt token for a settled session */
  receiptToken: (store: string, session: string) => string;
  onAuthFailure?: (reason: string) => void;
}

const READ: readonly ApiRole[] = ["operator", "reviewer", "admin"];
const ADMIN: readonly ApiRole[] = ["admin"];

const storeParams = z.object({ store: idSchema });
const deviceParams = storeParams.extend({ device: idSchema });
const provisionBody = z.object({ device: idSchema, label: z.string().min(1).max(200).optional() }).strict();
const viewQuery = z.object({ recent: z.coerce.number().int().min(0).max(200).default(20) });

export const walkoutRoutes: FastifyPluginAsync<WalkoutRoutesOptions> = async (app, opts) => {
  async function authorize(
    req: FastifyRequest,
    roles: readonly ApiRole[],
    store: string,
  ): Promise<ApiKeyRecord> {
    const h = req.headers.authorization;
    const m = typeof h === "string" ? /^Bearer\s+(\S+)$/i.exec(h) : null;
    if (!m) {
      opts.onAuthFailure?.("api-no-key");
      throw new ApiError("UNAUTHORIZED", "send Authorization: Bearer <API key>");
    }
    const key = await opts.apiKeys.findByHash(apiKeyHash(m[1]));
    if (!key || key.revoked) {
      opts.onAuthFailure?.("api-bad-key");
      throw new ApiError("UNAUTHORIZED", "unknown or revoked API key");
    }
    if (!roles.includes(key.role)) {
      opts.onAuthFailure?.("api-role");
      throw new ApiError("FORBIDDEN", `role ${key.role} may not do this`);
    }
    if (key.store !== "*" && key.store !== store) {
      opts.onAuthFailure?.("api-tenant");
      throw new ApiError("FORBIDDEN", "this key belongs to another store");
    }
    if (!opts.hosted().includes(store)) throw new ApiError("UNKNOWN_STORE", `no store ${store}`);
    return key;
  }

  function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown): T {
    const r = schema.safeParse(value);
    if (!r.success)
      throw new ApiError(
        "VALIDATION",
        r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
      );
    return r.data;
  }

  function walkoutStore(store: string): void {
    if (!opts.walkout.isWalkout(store)) throw new ApiError("NOT_FOUND", `${store} is not a walk-out store`);
  }

  async function deviceList(store: string) {
    const online = opts.devices.onlineDevices();
    return (await opts.devices.list(store)).map((d) => ({
      device: d.device,
      ...(d.label !== undefined ? { label: d.label } : {}),
      revoked: d.revoked,
      online: !d.revoked && online.has(deviceUsername(store, d.device)),
      createdAt: d.createdAt,
    }));
  }

  app.get("/api/v1/stores/:store/walkout", async (req) => {
    const { store } = parse(storeParams, req.params);
    const { recent } = parse(viewQuery, req.query);
    await authorize(req, READ, store);
    walkoutStore(store);
    const shoppers = await opts.walkout.shoppers(store, { recent });
    return {
      store,
      kind: "walkout",
      inside: shoppers.filter((s) => s.inside).length,
      shoppers: shoppers.map((s) =>
        s.inside ? s : { ...s, receiptLink: `/r/${opts.receiptToken(store, s.session)}` },
      ),
      devices: await deviceList(store),
    };
  });

  app.get("/api/v1/stores/:store/devices", async (req) => {
    const { store } = parse(storeParams, req.params);
    await authorize(req, READ, store);
    walkoutStore(store);
    return deviceList(store);
  });

  app.post("/api/v1/stores/:store/devices", async (req, reply) => {
    const { store } = parse(storeParams, req.params);
    await authorize(req, ADMIN, store);
    walkoutStore(store);
    const { device, label } = parse(provisionBody, req.body ?? {});
    const { secret } = await opts.devices.provision(store, device, label);
    return reply.code(201).send({
      store,
      device,
      secret,
      mqtt: {
        username: deviceUsername(store, device),
        events: deviceTopic(store, device, "events"),
        errors: deviceTopic(store, device, "errors"),
      },
    });
  });

  app.post("/api/v1/stores/:store/devices/:device/revoke", async (req) => {
    const { store, device } = parse(deviceParams, req.params);
    await authorize(req, ADMIN, store);
    walkoutStore(store);
    if (!(await opts.devices.revoke(store, device))) throw new ApiError("NOT_FOUND", `no device ${device}`);
    return { store, device, revoked: true };
  });
};
