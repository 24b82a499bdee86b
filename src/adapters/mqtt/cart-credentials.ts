/**
 * Cart credentials: a cart authenticates with its cart id as MQTT username and a random secret
 * as password. Only an scrypt hash of the secret is stored (node:crypto; N=2^12, r=8, p=1,
 * 16-byte salt; the parameters are stored in the hash so they can be raised later). The secret
 * is 24 random bytes, shown once at provisioning.
 *
 * Verifying costs ~50 ms of CPU by design (on the 2-core reference machine), and 1,000 carts reconnecting after a network blip
 * would queue for that, so a successful verification is remembered in memory as a SHA-256 of
 * the presented secret bound to the stored hash: a reconnect with the same secret skips scrypt,
 * a re-provisioned cart (new hash) or a revoked one (forget) does not. The secrets are
 * high-entropy random strings, so their SHA-256 in memory gives an attacker nothing to grind.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto";

// 2^12: the secrets are 192-bit random strings, so the work factor only has to make a stolen hash
// useless to grind, not protect a weak password; 2^14 cost ~200 ms of CPU per verify on the
// 2-core reference machine, which turned a reconnect storm of 1,000 carts into minutes.
const N = 4096;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scryptAsync(secret: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEYLEN, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** A fresh cart secret (or API key secret): 24 random bytes, base64url. */
export function newSecret(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}

/** `scrypt$N$r$p$salt$hash` (salt and hash base64url). */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![n, r, p].every((x) => Number.isInteger(x) && x > 0) || n > 1 << 20) return false;
  const expected = Buffer.from(parts[5], "base64url");
  if (expected.length !== KEYLEN) return false;
  const key = await scryptAsync(secret, Buffer.from(parts[4], "base64url"), n, r, p);
  return timingSafeEqual(key, expected);
}

/** The hash/verify pair, injectable so the composition root can share one format with app code. */
export interface SecretHasher {
  hash(secret: string): Promise<string>;
  verify(secret: string, stored: string): Promise<boolean>;
}
export const scryptHasher: SecretHasher = { hash: hashSecret, verify: verifySecret };

/** Remembers successful verifications (see the header); bounded, oldest entries dropped first. */
export class VerifiedSecretCache {
  private readonly map = new Map<string, string>();
  constructor(private readonly max = 100_000) {}

  private fingerprint(secret: string, stored: string): string {
    return createHash("sha256").update(stored).update("\u0000").update(secret).digest("base64url");
  }
  has(user: string, secret: string, stored: string): boolean {
    const f = this.map.get(user);
    if (f === undefined) return false;
    const g = this.fingerprint(secret, stored);
    return f.length === g.length && timingSafeEqual(Buffer.from(f), Buffer.from(g));
  }
  remember(user: string, secret: string, stored: string): void {
    if (this.map.size >= this.max) {
      const first = this.map.keys().next();
      if (!first.done) this.map.delete(first.value);
    }
    this.map.set(user, this.fingerprint(secret, stored));
  }
  forget(user: string): void {
    this.map.delete(user);
  }
}
