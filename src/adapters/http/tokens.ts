/**
 * Bearer secrets of the HTTP API.
 *
 * API keys: `skl_<keyId>_<secret>`. Only SHA-256(key) is stored and looked up: the secret is 24
 * random bytes, so a fast hash is safe (nothing to grind) and a lookup needs no scan; an
 * attacker with the database cannot use the hashes as keys.
 *
 * Receipt tokens: the shopper's receipt link carries `<b64url(store/session)>.<HMAC-SHA256>`
 * under a server key instead of an API key: unguessable without the key, stateless to check,
 * and good only for that one receipt.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export function newApiKey(keyId: string): string {
  return `skl_${keyId}_${randomBytes(24).toString("base64url")}`;
}

export function apiKeyHash(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export class ReceiptTokens {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error("receipt token key must be at least 32 bytes");
  }

  issue(store: string, session: string): string {
    const body = Buffer.from(`${store}/${session}`).toString("base64url");
    return `${body}.${this.mac(body)}`;
  }

  resolve(token: string): { store: string; session: string } | undefined {
    const dot = token.indexOf(".");
    if (dot <= 0 || token.length > 600) return undefined;
    const body = token.slice(0, dot);
    const mac = Buffer.from(token.slice(dot + 1));
    const want = Buffer.from(this.mac(body));
    if (mac.length !== want.length || !timingSafeEqual(mac, want)) return undefined;
    const text = Buffer.from(body, "base64url").toString("utf8");
    const slash = text.indexOf("/");
    if (slash <= 0) return undefined;
    return { store: text.slice(0, slash), session: text.slice(slash + 1) };
  }

  private mac(body: string): string {
    return createHmac("sha256", this.key).update("receipt:").update(body).digest("base64url");
  }
}
