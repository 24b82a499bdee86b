/**
 * How long the paid screen shows the shopper's receipt link. The paid screen stays on the cart
 * (retained) until its next session starts, and the link opens that receipt (and its dispute
 * form) for whoever taps it: the next shopper to take the cart must not find it. Two minutes is
 * enough to tap it on the way out; after that the screen thanks and says where the receipt is.
 */
export const RECEIPT_LINK_MS = 2 * 60_000;

/** The link to show now, if any: only within RECEIPT_LINK_MS of this screen first showing it. */
export function visibleReceiptLink(
  link: string | undefined,
  firstShownAt: number | undefined,
  now: number,
): string | undefined {
  if (!link || firstShownAt === undefined) return undefined;
  return now - firstShownAt < RECEIPT_LINK_MS ? link : undefined;
}
