/**
 * `skiplane sim --live`: simulated shoppers with carts, driven into a running store server over
 * MQTT. Every cart logs in as itself (exchange-v1 §5), sessions are dealt to carts as they come
 * free (session k's plan is the same as `skiplane sim`'s session k for the same seed and mix), and
 * each cart plays its trips in real time times `speed` (live-cart.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import type { Catalog } from "../../domain/catalog/product";
import { simCatalog } from "../planner";
import type { SimMix } from "../profile";
import { LiveCart, LiveConnectError, type SessionRecord } from "./live-cart";
import type { LiveEvent } from "./live-events";

export interface CartCredential {
  cart: string;
  secret: string;
}

export interface LiveOptions {
  /** mqtt://host:port (or ws://…) */
  url: string;
  store: string;
  carts: CartCredential[];
  /** sessions to play in all; undefined: until stopped */
  sessions?: number;
  /** time multiplier (1 = real time) */
  speed: number;
  seed: number;
  mix: SimMix;
  catalog: Catalog;
  /** weight samples per message (default 5: every 250 ms at 20 Hz) */
  perMessage?: number;
  /** tags session and event ids; default: from the start time */
  runTag?: string;
  onEvent?: (e: LiveEvent) => void;
  /** abort: every shopper heads for the exit, then the carts disconnect */
  signal?: AbortSignal;
  settleTimeoutS?: number;
}

/** Virtual minutes a trip takes, corral included, for the lead (simulated: mean 4.8 + 0.3). */
const TRIP_BUDGET_MS = 6 * 60_000;
/** Wall minutes of fast play of an endless run at --speed > 1, and the most lead there is. */
const ENDLESS_FAST_MS = 10 * 60_000;
const MAX_LEAD_MS = 24 * 3_600_000;

/**
 * How far in the past the carts' clocks start so that a run at `speed` > 1 plays fast without
 * ever stamping a device time ahead of the wall clock (live-cart.ts, "Time"): the virtual span
 * to play less the wall time it takes. With `sessions`, the span is a generous estimate of the
 * busiest cart's trips (one more than its share); without, 10 wall minutes of fast play. At most
 * a day; 0 at real time or slower.
 */
export function clockLead(speed: number, carts: number, sessions?: number): number {
  if (!(speed > 1)) return 0;
  const span =
    sessions !== undefined
      ? (Math.ceil(sessions / Math.max(1, carts)) + 1) * TRIP_BUDGET_MS
      : speed * ENDLESS_FAST_MS;
  return Math.min(MAX_LEAD_MS, Math.round(span * (1 - 1 / speed)));
}

export interface LiveSummary {
  runTag: string;
  sessions: SessionRecord[];
  byState: Record<string, number>;
  prompts: number;
  answered: number;
  messages: number;
  events: number;
  rejected: Record<string, number>;
  seconds: number;
}

const credentialsFile = z.object({
  store: z.string().min(1),
  carts: z.array(z.object({ cart: z.string().min(1), secret: z.string().min(1) })).min(1),
});

/** The server's demo credentials file (`.data/demo-credentials.json`): its store and carts. */
export function readCredentials(file: string): { store: string; carts: CartCredential[] } {
  if (!existsSync(file))
    throw new LiveConnectError(
      `no credentials file at ${file}. Start the server once (\`npm start\` writes it), or pass --cart id:secret.`,
    );
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new LiveConnectError(`${file} is not JSON: ${(err as Error).message}`);
  }
  const r = credentialsFile.safeParse(json);
  if (!r.success)
    throw new LiveConnectError(`${file} does not look like the server's demo credentials (store and carts)`);
  return r.data;
}

/** `id:secret` → a credential. */
export function parseCartArg(s: string): CartCredential {
  const i = s.indexOf(":");
  if (i <= 0 || i === s.length - 1) throw new LiveConnectError(`--cart wants id:secret, got "${s}"`);
  return { cart: s.slice(0, i), secret: s.slice(i + 1) };
}

export async function runLive(o: LiveOptions): Promise<LiveSummary> {
  if (o.carts.length === 0) throw new LiveConnectError("no carts to drive");
  if (!(o.speed > 0)) throw new LiveConnectError("--speed must be > 0");
  const t0 = Date.now();
  const runTag = o.runTag ?? t0.toString(36);
  const sc = simCatalog(o.catalog);
  const onEvent = o.onEvent ?? (() => {});
  const lead = clockLead(o.speed, o.carts.length, o.sessions);
  let next = 0;
  let stopped = false;
  const carts = o.carts.map(
    (c) =>
      new LiveCart({
        url: o.url,
        store: o.store,
        cart: c.cart,
        secret: c.secret,
        runTag,
        speed: o.speed,
        perMessage: o.perMessage ?? 5,
        seed: o.seed,
        mix: o.mix,
        sc,
        nextSession: () => (stopped || (o.sessions !== undefined && next >= o.sessions) ? undefined : next++),
        sessionId: (k, attempt) =>
          `live-${runTag}-${String(k + 1).padStart(4, "0")}${attempt > 0 ? `-r${attempt}` : ""}`,
        onEvent,
        settleTimeoutS: o.settleTimeoutS,
        lead,
      }),
  );
  const connected = await Promise.allSettled(carts.map((c) => c.connect()));
  const failed = connected.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await Promise.allSettled(carts.map((c) => c.close()));
    throw failed.reason;
  }
  const stop = () => {
    stopped = true;
    for (const c of carts) c.stop();
  };
  if (o.signal?.aborted) stop();
  o.signal?.addEventListener("abort", stop, { once: true });
  try {
    await Promise.all(carts.map((c) => c.run()));
  } finally {
    o.signal?.removeEventListener("abort", stop);
    await Promise.allSettled(carts.map((c) => c.close()));
  }
  const sessions = carts.flatMap((c) => c.records).sort((a, b) => a.k - b.k);
  const byState: Record<string, number> = {};
  for (const s of sessions) byState[s.state ?? "unsettled"] = (byState[s.state ?? "unsettled"] ?? 0) + 1;
  const rejected: Record<string, number> = {};
  for (const c of carts)
    for (const [k, v] of Object.entries(c.rejected)) rejected[k] = (rejected[k] ?? 0) + v;
  return {
    runTag,
    sessions,
    byState,
    prompts: sessions.reduce((a, s) => a + s.prompts, 0),
    answered: sessions.reduce((a, s) => a + s.answered, 0),
    messages: carts.reduce((a, c) => a + c.messages, 0),
    events: carts.reduce((a, c) => a + c.events, 0),
    rejected,
    seconds: (Date.now() - t0) / 1000,
  };
}
