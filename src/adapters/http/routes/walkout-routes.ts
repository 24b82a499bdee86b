/**
 * The walk-out store's API, as one fastify plugin the composition root registers:
 *
 * - `GET /api/v1/stores/{store}/walkout` (read) — the store is a walk-out store: the shoppers
 *   inside (session, anonymous track id, running basket, state, review cases) and the most
 *   recent ones who left (with their receipt link), and the store's devices. 404 for a cart
 *   store: the dashboard then shows carts. The list holds the open visits among the 200 most
 *   recently updated sessions; `inside` (how many are inside) and `insideTotal` (what is in their
 *   baskets) count every one, by the database (SessionReadModel.openSummary).
 * - `POST /api/v1/stores/{store}/devices` (admin) `{device, label?}` — provision a gate, tracker
 *   or shelf controller: its secret (shown once) and MQTT username and topics
 * - `GET /api/v1/stores/{store}/devices` (read) — devices with `online`
 * - `POST /api/v1/stores/{store}/devices/{device}/revoke` (admin) — disconnected now, refused
 *   from now on
 * - `GET /api/v1/stores/{store}/reviews/{caseId}/shelf` (review) — a walk-out case's shelf weight
 *   around the change (the plates of its cluster, summed per 100 ms, from the raw sensor log): the
 *   review console draws it where a cart case shows the cart's scale
 *
 * Same conventions as the core API: Bearer API keys with the same role table and store scope,
 * errors thrown as ApiError and turned into RFC 7807 documents by the server's error handler.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { z } from "zod";
import type { RawSensorLog } from "../../../app/ports/raw-sensor-log";
import type {
  ApiKeyRecord,
  ApiKeyRepository,
  ApiRole,
  ReviewCaseRepository,
  SessionReadModel,
} from "../../../app/ports/read-models";
import type { DeviceRecord } from "../../../app/walkout-stream/device-registry";
import { type ShopperView, WALKOUT_LANE } from "../../../app/walkout-stream/walkout-service";
import type { Evidence } from "../../../domain/basket/basket.events";
import { deviceTopic, deviceUsername } from "../../mqtt/device-topics";
import { idSchema } from "../../schemas/sensor-event.schema";
import { authorizeStoreKey, parseInput } from "../api-key-auth";
import { walkoutViewSchema } from "../api-schemas";
import { ApiError } from "../problem";

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
  reviews: ReviewCaseRepository;
  /** the open sessions counted and summed by the database: the view's `inside` and `insideTotal` */
  sessions: Pick<SessionReadModel, "openSummary">;
  rawLog: RawSensorLog;
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
const REVIEW: readonly ApiRole[] = ["reviewer", "admin"];
/** Seconds of shelf samples shown either side of the change, and the bin the plates are summed in. */
const TRACE_MARGIN_MS = 3000;
const TRACE_BIN_MS = 100;

const storeParams = z.object({ store: idSchema });
const deviceParams = storeParams.extend({ device: idSchema });
const provisionBody = z.object({ device: idSchema, label: z.string().min(1).max(200).optional() }).strict();
const caseParams = storeParams.extend({ caseId: z.string().min(1).max(200) });
const viewQuery = z.object({ recent: z.coerce.number().int().min(0).max(200).default(20) });

export const walkoutRoutes: FastifyPluginAsync<WalkoutRoutesOptions> = async (app, opts) => {
  const keys = {
    findKey: (hash: string) => opts.apiKeys.findByHash(hash),
    onAuthFailure: opts.onAuthFailure,
  };
  async function authorize(
    req: FastifyRequest,
    roles: readonly ApiRole[],
    store: string,
  ): Promise<ApiKeyRecord> {
    const key = await authorizeStoreKey(req, keys, roles, store);
    if (!opts.hosted().includes(store)) throw new ApiError("UNKNOWN_STORE", `no store ${store}`);
    return key;
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

  app.get(
    "/api/v1/stores/:store/walkout",
    {
      schema: {
        tags: ["walk-out"],
        summary: "A walk-out store's shoppers inside, who left recently, and its devices",
        response: { 200: walkoutViewSchema },
      },
    },
    async (req) => {
      const { store } = parseInput(storeParams, req.params);
      const { recent } = parseInput(viewQuery, req.query);
      await authorize(req, READ, store);
      walkoutStore(store);
      const shoppers = await opts.walkout.shoppers(store, { recent });
      // every shopper inside, not the ones listed (the list stops at 200 sessions)
      const inside = await opts.sessions.openSummary(store);
      return {
        store,
        kind: "walkout",
        inside: inside.open,
        insideTotal: inside.total,
        shoppers: shoppers.map((s) =>
          s.inside ? s : { ...s, receiptLink: `/r/${opts.receiptToken(store, s.session)}` },
        ),
        devices: await deviceList(store),
      };
    },
  );

  app.get("/api/v1/stores/:store/reviews/:caseId/shelf", async (req) => {
    const { store, caseId } = parseInput(caseParams, req.params);
    await authorize(req, REVIEW, store);
    walkoutStore(store);
    const rc = await opts.reviews.get(store, caseId);
    if (!rc) throw new ApiError("UNKNOWN_CASE", `no case ${caseId}`);
    const line = rc.lines.find((l) => {
      const e = l.evidence as Partial<Evidence> | undefined;
      return e?.shelf && e.change;
    });
    if (!line) return { caseId, trace: [] };
    const e = line.evidence as Evidence;
    const shelf = e.shelf!;
    const change = e.change!;
    const period = periodOfLine(line.lineId);
    const from = change.startT - TRACE_MARGIN_MS;
    const to = change.endT + TRACE_MARGIN_MS;
    // per plate and 100 ms bin: the mean of the samples in it
    const bins = new Map<number, Map<number, { sum: number; n: number }>>();
    let afterSeq = 0;
    for (let pages = 0; period && pages < 200; pages++) {
      const rows = await opts.rawLog.readCart(store, WALKOUT_LANE, {
        session: period,
        afterSeq,
        limit: 5000,
      });
      if (rows.length === 0) break;
      afterSeq = rows[rows.length - 1].seq;
      for (const r of rows) {
        const ev = r.event as unknown as {
          type: string;
          t: number;
          gondola?: number;
          shelf?: number;
          plate?: number;
          grams?: number | number[];
          hz?: number;
        };
        if (ev.type !== "plate" || ev.gondola !== shelf.gondola || ev.shelf !== shelf.shelf) continue;
        if (ev.plate === undefined || !shelf.plates.includes(ev.plate)) continue;
        const grams = Array.isArray(ev.grams) ? ev.grams : [ev.grams ?? 0];
        const step = 1000 / (ev.hz ?? 1);
        grams.forEach((g, i) => {
          const t = ev.t + i * step;
          if (t < from || t > to) return;
          const bin = Math.floor(t / TRACE_BIN_MS) * TRACE_BIN_MS;
          const perPlate = bins.get(bin) ?? new Map();
          const b = perPlate.get(ev.plate!) ?? { sum: 0, n: 0 };
          b.sum += g;
          b.n++;
          perPlate.set(ev.plate!, b);
          bins.set(bin, perPlate);
        });
      }
      if ((rows[rows.length - 1].event as { t: number }).t > to + 5000) break;
    }
    // the shelf's load: the plates of the change summed, in the bins where every one reported
    const trace = [...bins.entries()]
      .filter(([, perPlate]) => perPlate.size === shelf.plates.length)
      .sort(([a], [b]) => a - b)
      .map(([t, perPlate]) => ({
        t,
        grams: Math.round([...perPlate.values()].reduce((s, b) => s + b.sum / b.n, 0) * 10) / 10,
      }));
    return { caseId, session: rc.session, shelf, trace };
  });

  app.get("/api/v1/stores/:store/devices", async (req) => {
    const { store } = parseInput(storeParams, req.params);
    await authorize(req, READ, store);
    walkoutStore(store);
    return deviceList(store);
  });

  app.post("/api/v1/stores/:store/devices", async (req, reply) => {
    const { store } = parseInput(storeParams, req.params);
    await authorize(req, ADMIN, store);
    walkoutStore(store);
    const { device, label } = parseInput(provisionBody, req.body ?? {});
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
    const { store, device } = parseInput(deviceParams, req.params);
    await authorize(req, ADMIN, store);
    walkoutStore(store);
    if (!(await opts.devices.revoke(store, device))) throw new ApiError("NOT_FOUND", `no device ${device}`);
    return { store, device, revoked: true };
  });
};

/**
 * The occupancy period a walk-out line was decided in: fusion ids are scoped to it
 * (`line_{period}_{n}`, SessionScopedIds; ids cannot hold `_`), and the raw events of the period
 * are logged under it.
 */
function periodOfLine(lineId: string): string | undefined {
  const m = /^line_(.+)_\d+$/.exec(lineId);
  return m?.[1];
}
