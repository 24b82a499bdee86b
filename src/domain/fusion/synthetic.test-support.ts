/**
 * Synthetic cart logs for the fusion tests: a seeded PRNG, a scale-signal builder (noise,
 * quantisation, damped swing after a drop, bumps, leans, drift) and a timeline that interleaves
 * the samples with camera, scanner and screen events in time order. Test support only.
 */
import type { BasketEvent } from "../basket/basket.events";
import { type Catalog, indexCatalog, type Product } from "../catalog/product";
import type { CartEvent } from "../events/sensor-events";
import { sequentialIds } from "../shared/ids";
import { createCartFusion } from "./cart-fusion";
import type { FusionConfig } from "./fusion.config";
import type { CartFusion, IngestResult } from "./fusion.types";

/** mulberry32: a tiny seeded PRNG, enough for test noise */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** standard normal from a uniform source (Box–Muller) */
export function gauss(u: () => number): number {
  const a = Math.max(u(), 1e-12);
  return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
}

const unit = (
  sku: string,
  name: string,
  mean: number,
  sd: number,
  price: number,
  extra: Partial<Product> = {},
): Product => ({
  sku,
  name,
  soldBy: "unit",
  price,
  weight: { mean, sd },
  taxClass: "grocery",
  ageRestricted: false,
  lookalikes: [],
  ...extra,
});
const weighed = (sku: string, name: string, plu: string, pricePerKg: number): Product => ({
  sku,
  name,
  plu,
  soldBy: "weight",
  pricePerKg,
  taxClass: "grocery",
  ageRestricted: false,
  lookalikes: [],
});

export const TEST_PRODUCTS: Product[] = [
  unit("cola-330", "Cola 330 ml", 349.2, 1.6, 129, { gtin: "05449000000996" }),
  unit("water-500", "Water 0.5 l", 538, 2.5, 99, { gtin: "00000000000017" }),
  unit("chips-salt", "Sea Salt Chips", 160, 2, 249, {
    lookalikes: ["chips-vinegar"],
    gtin: "00000000000062",
  }),
  // a look-alike at another price: which one it is changes the charge, so the screen asks
  unit("chips-vinegar", "Salt & Vinegar Chips", 161, 2, 269, { lookalikes: ["chips-salt"] }),
  // look-alikes at the same price, tax class and category: the charge is the same either way
  unit("tea-mint", "Mint Tea 20 bags", 231, 1.5, 199, { lookalikes: ["tea-lemon"], category: "tea" }),
  unit("tea-lemon", "Lemon Tea 20 bags", 231.5, 1.5, 199, { lookalikes: ["tea-mint"], category: "tea" }),
  unit("gum", "Mint Gum", 28, 0.8, 149, { gtin: "00000000000055" }),
  unit("soap", "Hand Soap", 412, 4, 399, { gtin: "00000000000024" }),
  unit("whisky-700", "Single Malt 700 ml", 1180, 8, 4999, { gtin: "00000000000031", ageRestricted: true }),
  unit("yogurt", "Yogurt 150 g", 163, 1.5, 79),
  weighed("banana", "Bananas", "4011", 219),
  weighed("ham", "Deli Ham", "4555", 1899),
];

export function testCatalog(): Catalog {
  return indexCatalog("USD", TEST_PRODUCTS);
}

type Body<E> = E extends CartEvent ? Omit<E, "v" | "store" | "cart" | "t"> & { t?: number } : never;
/** a cart event without the envelope fields the timeline fills in */
export type EventBody = Body<CartEvent>;

export const STORE = "st-1";
export const CART = "c-1";

/**
 * A time-ordered log under construction. Samples come at `hz`; every helper advances time.
 */
export class Timeline {
  readonly events: CartEvent[] = [];
  t = 1_700_000_000_000;
  level: number;
  private readonly u: () => number;
  private drift = 0;
  constructor(
    seed: number,
    readonly opts: { hz?: number; noise?: number; quantum?: number; start?: number } = {},
  ) {
    this.u = rng(seed);
    this.level = opts.start ?? 0;
  }
  private get dt(): number {
    return 1000 / (this.opts.hz ?? 50);
  }
  private sampleAt(extra: number): void {
    const q = this.opts.quantum ?? 0.5;
    const g = this.level + extra + gauss(this.u) * (this.opts.noise ?? 1);
    this.events.push({
      v: 1,
      t: this.t,
      type: "weight",
      store: STORE,
      cart: CART,
      grams: Math.round(g / q) * q,
    });
    this.t += this.dt;
  }
  /** the load stays where it is (plus any drift rate set) */
  hold(ms: number): this {
    const n = Math.round(ms / this.dt);
    for (let i = 0; i < n; i++) {
      this.level += this.drift * this.dt;
      this.sampleAt(0);
    }
    return this;
  }
  /** slow drift, grams per second, applied from now on */
  setDrift(gPerS: number): this {
    this.drift = gPerS / 1000;
    return this;
  }
  /** a drop of `delta` grams that rings down (damped swing) over about `settleMs` */
  step(delta: number, settleMs = 400, swing = 0.3): this {
    this.level += delta;
    const n = Math.round(settleMs / this.dt);
    for (let i = 0; i < n; i++) {
      const x = i / n;
      this.sampleAt(delta * swing * Math.exp(-4 * x) * Math.cos(12 * x));
    }
    return this;
  }
  /** a load that comes and goes again (a lean, a bump): a noisy bump of `amp` grams */
  transient(amp: number, ms: number): this {
    const n = Math.round(ms / this.dt);
    for (let i = 0; i < n; i++) {
      const x = i / n;
      this.sampleAt(amp * Math.sin(Math.PI * x) + gauss(this.u) * amp * 0.1);
    }
    return this;
  }
  /** the cart being pushed: large swing for `ms` */
  move(ms: number, amp = 40): this {
    const n = Math.round(ms / this.dt);
    for (let i = 0; i < n; i++) this.sampleAt(amp * Math.sin(i * 0.7) + gauss(this.u) * amp * 0.3);
    return this;
  }
  push(e: EventBody): this {
    this.events.push({ v: 1, store: STORE, cart: CART, t: this.t, ...e } as CartEvent);
    return this;
  }
  start(session = "s-1"): this {
    return this.push({ type: "session.start", session });
  }
  end(): this {
    return this.push({ type: "session.end" });
  }
  see(dir: "in" | "out" | "unknown", ...candidates: [string, number][]): this {
    return this.push({ type: "vision", dir, candidates: candidates.map(([sku, p]) => ({ sku, p })) });
  }
  scan(code: string): this {
    return this.push({ type: "barcode", code });
  }
  plu(plu: string): this {
    return this.push({ type: "plu", plu });
  }
  answer(prompt: string, a: { sku?: string; choice?: string }): this {
    return this.push({ type: "answer", prompt, ...a });
  }
}

export interface Run {
  fusion: CartFusion;
  events: BasketEvent[];
  results: IngestResult[];
}

export function newFusion(config?: Partial<FusionConfig>): CartFusion {
  return createCartFusion({ catalog: testCatalog(), config, ids: sequentialIds(), store: STORE, cart: CART });
}

export function run(log: CartEvent[], config?: Partial<FusionConfig>, fusion = newFusion(config)): Run {
  const events: BasketEvent[] = [];
  const results: IngestResult[] = [];
  for (const e of log) {
    const r = fusion.ingest(e);
    results.push(r);
    events.push(...r.events);
  }
  return { fusion, events, results };
}

/** the basket as the fold would see it: net qty/grams per sku over lines that count */
export function basketOf(events: BasketEvent[]): { net: Record<string, number>; unsure: string[] } {
  const lines = new Map<string, { sku: string; amount: number; sign: number; status: string }>();
  for (const e of events) {
    if (e.type === "ItemAdded" || e.type === "ItemRemoved") {
      lines.set(e.lineId, {
        sku: e.sku,
        amount: e.grams ?? e.qty ?? 0,
        sign: e.type === "ItemAdded" ? 1 : -1,
        status: e.status,
      });
    } else if (e.type === "LineRevised") {
      const l = lines.get(e.lineId);
      if (l) lines.set(e.lineId, { ...l, sku: e.sku, amount: e.grams ?? e.qty ?? 0, status: e.status });
    } else if (e.type === "LineVoided") lines.delete(e.lineId);
  }
  const net: Record<string, number> = {};
  const unsure: string[] = [];
  for (const [id, l] of lines) {
    net[l.sku] = Math.round(((net[l.sku] ?? 0) + l.sign * l.amount) * 10) / 10;
    if (l.status === "unsure") unsure.push(id);
  }
  for (const k of Object.keys(net)) if (net[k] === 0) delete net[k];
  return { net, unsure };
}
