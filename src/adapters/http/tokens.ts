/**
 * Bearer secrets of the HTTP API.
 *
 * API keys: `skl_<keyId>_<secret>`. Only SHA-256(key) is stored and looked up: the secret is 24
 * random bytes, so a fast hash is safe (nothing to grind) and a lookup needs no scan; an
 * attacker with the database cannot use the hashes as keys.
 *
 * Receipt tokens: the shopper's receipt link carries `<b64url(store/session)>.<HMAC-SHA256>`
 * under a server key instead of an API key: unguessable without the key, stateless to check,
 * and good only for that one receipt (the app's and e-mail receipts; they do not expire).
 *
 * Screen tokens: the link the paid cart screen shows is a distinct, versioned form that
 * expires, `s1_<b64url(expiresAtMs/store/session)>.<HMAC-SHA256>`, its MAC under its own domain
 * (`receipt-screen:s1:`) so neither form verifies as the other. The paid screen stays retained
 * on the cart until its next session: past its expiry the link opens nothing, so the next
 * shopper who takes the cart cannot open the last one's receipt or dispute its lines.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export function newApiKey(keyId: string): string {
  return `skl_${keyId}_${randomBytes(24).toString("base64url")}`;
}

export function apiKeyHash(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** What a receipt token says: whose receipt, or why it opens nothing. */
export type ReceiptTokenCheck =
  | { ok: true; store: string; session: string /** screen tokens only */; expiresAt?: number }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "expired"; store: string; session: string; expiresAt: number };

/** The screen token's version prefix (part of the MAC'd body). */
const SCREEN_V1 = "s1_";

export class ReceiptTokens {
  private readonly now: () => number;

  /** `now`: the clock expiry is checked against (default: wall-clock time) */
  constructor(
    private readonly key: Buffer,
    options: { now?: () => number } = {},
  ) {
    if (key.length < 32) throw new Error("receipt token key must be at least 32 bytes");
    this.now = options.now ?? Date.now;
  }

  /** The receipt link token that does not expire (the app's and e-mail receipts). */
  issue(store: string, session: string): string {
    const body = Buffer.from(`${store}/${session}`).toString("base64url");
    return `${body}.${this.mac(body)}`;
  }

  /** The paid cart screen's token: opens that receipt until `expiresAt` (epoch ms), then nothing. */
  issueScreen(store: string, session: string, expiresAt: number): string {
    if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) throw new Error("expiresAt must be epoch ms");
    const body = `${SCREEN_V1}${Buffer.from(`${expiresAt}/${store}/${session}`).toString("base64url")}`;
    return `${body}.${this.screenMac(body)}`;
  }

  /** The receipt a token opens now (undefined: forged, altered or expired). */
  resolve(token: string): { store: string; session: string } | undefined {
    const c = this.check(token);
    return c.ok ? { store: c.store, session: c.session } : undefined;
  }

  /** Checks a token of either form; an expired screen token says so (and whose it was). */
  check(token: string): ReceiptTokenCheck {
    const invalid = { ok: false, reason: "invalid" } as const;
    const dot = token.indexOf(".");
    if (dot <= 0 || token.length > 600) return invalid;
    const body = token.slice(0, dot);
    const mac = token.slice(dot + 1);
    if (same(mac, this.mac(body))) {
      const text = Buffer.from(body, "base64url").toString("utf8");
      const slash = text.indexOf("/");
      if (slash <= 0) return invalid;
      return { ok: true, store: text.slice(0, slash), session: text.slice(slash + 1) };
    }
    if (!body.startsWith(SCREEN_V1) || !same(mac, this.screenMac(body))) return invalid;
    const m = /^(\d{1,16})\/([^/]+)\/(.+)$/s.exec(
      Buffer.from(body.slice(SCREEN_V1.length), "base64url").toString("utf8"),
    );
    if (!m) return invalid;
    const [, at, store, session] = m as unknown as [string, string, string, string];
    const expiresAt = Number(at);
    if (!(this.now() < expiresAt)) return { ok: false, reason: "expired", store, session, expiresAt };
    return { ok: true, store, session, expiresAt };
  }

  private mac(body: string): string {
    return createHmac("sha256", this.key).update("receipt:").update(body).digest("base64url");
  }

  private screenMac(body: string): string {
    return createHmac("sha256", this.key).update("receipt-screen:s1:").update(body).digest("base64url");
  }
}

/** How long the paid cart screen's receipt link opens the receipt, from the payment, by default. */
export const DEFAULT_SCREEN_RECEIPT_SECONDS = 120;

/**
 * The paid cart screen's receipt links (StoreServiceDeps.receiptLink): `<publicUrl>/r/<screen
 * token>`, opening the receipt for `seconds` from the payment (config `http.screenReceiptSeconds`).
 */
export function screenReceiptLinks(
  tokens: ReceiptTokens,
  publicUrl: string | undefined,
  seconds: number,
): (store: string, session: string, paidAt: number) => { link: string; expiresAt: number } {
  const base = (publicUrl ?? "").replace(/\/+$/, "");
  return (store, session, paidAt) => {
    const expiresAt = Math.floor(paidAt) + seconds * 1000;
    return { link: `${base}/r/${tokens.issueScreen(store, session, expiresAt)}`, expiresAt };
  };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
