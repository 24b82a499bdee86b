/**
 * A scripted shopping trip as a cart would publish it (exchange-v1 §1 over §5): a session
 * start, scale samples at 20 Hz in messages of `perMessage` samples, a camera sighting with
 * each item, a settled weight step per item (seeded noise), and the session end. Every event
 * carries a unique id. Deterministic for a given seed.
 */
export interface ScriptItem {
  sku: string;
  grams: number;
}

export type CartMessage = Record<string, unknown>[];

export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function cartScript(options: {
  store: string;
  cart: string;
  session: string;
  items: ScriptItem[];
  seed: number;
  t0: number;
  hz?: number;
  perMessage?: number;
  /** seconds the scale holds still after each item */
  holdS?: number;
  end?: boolean;
  /** the account presented at check-in (an app code or a card token); none: the store's default */
  account?: string;
}): CartMessage[] {
  const { store, cart, session } = options;
  const hz = options.hz ?? 20;
  const per = options.perMessage ?? 5;
  const hold = options.holdS ?? 2;
  const rnd = lcg(options.seed);
  const noise = () => (rnd() - 0.5) * 1.0;
  let n = 0;
  const id = () => `${cart}.${session}.${n++}`;
  const base = { v: 1, store, cart };
  const account = options.account === undefined ? {} : { account: options.account };
  const out: CartMessage[] = [
    [{ ...base, t: options.t0, type: "session.start", session, ...account, id: id() }],
  ];

  // the load profile: start empty, step up by each item's weight over 300 ms, hold still
  const profile: { t: number; vision?: ScriptItem }[] = [];
  let t = options.t0 + 100;
  const samples: { t: number; g: number }[] = [];
  let level = 0;
  const dt = 1000 / hz;
  for (let i = 0; i < hz * 1.5; i++, t += dt) samples.push({ t, g: level + noise() });
  for (const item of options.items) {
    profile.push({ t, vision: item });
    const from = level;
    level += item.grams;
    const steps = Math.round(0.3 * hz);
    for (let i = 1; i <= steps; i++, t += dt)
      samples.push({ t, g: from + ((level - from) * i) / steps + noise() * 4 });
    for (let i = 0; i < hz * hold; i++, t += dt) samples.push({ t, g: level + noise() });
  }
  let vi = 0;
  for (let i = 0; i < samples.length; i += per) {
    const chunk = samples.slice(i, i + per);
    const msg: CartMessage = [];
    while (vi < profile.length && profile[vi].t <= chunk[0].t) {
      const v = profile[vi++].vision!;
      msg.push({
        ...base,
        t: chunk[0].t - 1,
        type: "vision",
        dir: "in",
        candidates: [{ sku: v.sku, p: 0.93 }],
        id: id(),
      });
    }
    msg.push({
      ...base,
      t: chunk[0].t,
      type: "weight",
      grams: chunk.map((s) => Math.round(s.g * 10) / 10),
      hz,
      id: id(),
    });
    out.push(msg);
  }
  if (options.end !== false) out.push([{ ...base, t: t + 200, type: "session.end", id: id() }]);
  return out;
}
