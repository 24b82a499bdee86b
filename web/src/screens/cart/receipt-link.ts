/**
 * How long the paid screen shows the shopper's receipt link. The paid screen stays on the cart
 * (retained) until its next session starts, and the link opens that receipt (and its dispute
 * form) for whoever taps it: the next shopper to take the cart must not find it. Two minutes is
 * enough to tap it on the way out; after that the screen thanks and says where the receipt is.
 *
 * The server makes the link itself stop working (its token expires, `receiptExpiresAt` on the
 * screen, 2 minutes from the payment by default): this timer only hides a link that is or will
 * soon be dead, and a reload does not bring back one past its expiry.
 */
export const RECEIPT_LINK_MS = 2 * 60_000;

/**
 * The link to show now, if any: only within RECEIPT_LINK_MS of this screen first showing it,
 * and never at or after the server's expiry of the link (`expiresAt`, epoch ms) when given.
 */
export function visibleReceiptLink(
  link: string | undefined,
  firstShownAt: number | undefined,
  now: number,
  expiresAt?: number,
): string | undefined {
  if (!link || firstShownAt === undefined) return undefined;
  if (expiresAt !== undefined && now >= expiresAt) return undefined;
  return now - firstShownAt < RECEIPT_LINK_MS ? link : undefined;
}

/**
 * The delay (ms from `now`) of the timer that hides the shown link: the earlier of the two-minute
 * timer and the expiry, plus 1 ms so a timer firing on the dot already finds it hidden.
 */
export function receiptLinkHideIn(firstShownAt: number, now: number, expiresAt?: number): number {
  const until = Math.min(firstShownAt + RECEIPT_LINK_MS, expiresAt ?? Number.POSITIVE_INFINITY);
  return Math.max(0, until - now) + 1;
}
