/**
 * A small seeded PRNG for the simulator: sfc32 seeded through splitmix32, so the same seed gives
 * the same store, bit for bit, on every machine (Math.random is never used in src/sim). Normal
 * variates use Box–Muller without caching the second value, so the stream of draws does not depend
 * on whether an earlier caller asked for a normal or a uniform.
 */
export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform in [a, b) */
  uniform(a: number, b: number): number;
  /** integer in [a, b] */
  int(a: number, b: number): number;
  /** true with probability p */
  chance(p: number): boolean;
  /** normal with mean mu and standard deviation sd */
  normal(mu?: number, sd?: number): number;
  pick<T>(xs: readonly T[]): T;
  /** pick by non-negative weights */
  weighted<T>(xs: readonly (readonly [T, number])[]): T;
  /** an independent generator derived from this one and a label (stable per label) */
  fork(label: string | number): Rng;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(label: string | number): number {
  const s = String(label);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

export function createRng(seed: number): Rng {
  const sm = splitmix32(seed);
  let a = sm();
  let b = sm();
  let c = sm();
  let d = sm();
  const u32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) u32();
  const next = () => u32() / 4294967296;
  const rng: Rng = {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    normal: (mu = 0, sd = 1) => {
      const u = 1 - next();
      const v = next();
      return mu + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    weighted: (xs) => {
      let total = 0;
      for (const [, w] of xs) total += w;
      let r = next() * total;
      for (const [x, w] of xs) {
        r -= w;
        if (r < 0) return x;
      }
      return xs[xs.length - 1][0];
    },
    fork: (label) => createRng((u32() ^ hashLabel(label)) >>> 0),
  };
  return rng;
}

/** A generator that depends only on (seed, label): used so one cart's draws never shift another's. */
export function rngFor(seed: number, label: string | number): Rng {
  return createRng((Math.imul(seed >>> 0, 0x9e3779b1) ^ hashLabel(label)) >>> 0);
}
