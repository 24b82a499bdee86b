/**
 * Prefixed, sortable ids: `sess_01JD3…` = prefix + ULID (48-bit ms timestamp + 80 random bits,
 * Crockford base32, 26 chars; https://github.com/ulid/spec). Monotonic within a process: ids
 * made in the same millisecond increment the random part instead of drawing a new one, so ids
 * sort in creation order — what event and case listings rely on.
 */
import { randomBytes } from "node:crypto";
import type { IdGenerator } from "../../app/ports/id-generator";

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function encodeTime(ms: number): string {
  let out = "";
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** 80 random bits as 16 base32 digits (5 bits each), most significant first. */
function randomDigits(): number[] {
  const bytes = randomBytes(10);
  const digits: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      digits.push((acc >> bits) & 31);
    }
    acc &= (1 << bits) - 1;
  }
  return digits;
}

/** A ULID factory; `now` is injectable for tests. */
export function ulidFactory(now: () => number = Date.now): () => string {
  let lastTime = -1;
  let last: number[] = [];
  return () => {
    let t = now();
    if (t <= lastTime) {
      // Same (or earlier: clock stepped back) millisecond: keep the last time, add one.
      t = lastTime;
      let i = last.length - 1;
      while (i >= 0 && last[i] === 31) last[i--] = 0;
      if (i < 0) throw new Error("ULID random part overflow within one millisecond");
      last[i]++;
    } else {
      lastTime = t;
      last = randomDigits();
    }
    return encodeTime(t) + last.map((d) => ALPHABET[d]).join("");
  };
}

/** The production id generator: `${prefix}_${ULID}`. */
export function ulidIds(now: () => number = Date.now): IdGenerator {
  const next = ulidFactory(now);
  return (prefix) => `${prefix}_${next()}`;
}
