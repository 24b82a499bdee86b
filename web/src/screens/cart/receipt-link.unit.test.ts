import { describe, expect, it } from "vitest";
import { RECEIPT_LINK_MS, receiptLinkHideIn, visibleReceiptLink } from "./receipt-link";

describe("the paid screen's receipt link", () => {
  it("shows for a while after the screen first shows it, then not (the next shopper must not find it)", () => {
    expect(visibleReceiptLink("/r/t", 1000, 1000)).toBe("/r/t");
    expect(visibleReceiptLink("/r/t", 1000, 1000 + RECEIPT_LINK_MS - 1)).toBe("/r/t");
    expect(visibleReceiptLink("/r/t", 1000, 1000 + RECEIPT_LINK_MS)).toBeUndefined();
  });
  it("shows nothing without a link, or before the screen has shown it", () => {
    expect(visibleReceiptLink(undefined, 1000, 1000)).toBeUndefined();
    expect(visibleReceiptLink("/r/t", undefined, 1000)).toBeUndefined();
  });
  it("shows nothing at or after the server's expiry of the link, even on a screen just (re)loaded", () => {
    const expiresAt = 50_000;
    expect(visibleReceiptLink("/r/t", 49_000, 49_999, expiresAt)).toBe("/r/t");
    expect(visibleReceiptLink("/r/t", 49_000, 50_000, expiresAt)).toBeUndefined();
    // a reload after the expiry: the screen first shows it now, and still shows nothing
    expect(visibleReceiptLink("/r/t", 60_000, 60_000, expiresAt)).toBeUndefined();
  });
  it("hides the link at the earlier of the timer and the expiry", () => {
    expect(receiptLinkHideIn(1000, 1000, 1000 + 30_000)).toBe(30_001);
    expect(receiptLinkHideIn(1000, 1000, 1000 + RECEIPT_LINK_MS * 5)).toBe(RECEIPT_LINK_MS + 1);
    expect(receiptLinkHideIn(1000, 1000)).toBe(RECEIPT_LINK_MS + 1);
    expect(receiptLinkHideIn(1000, 5000, 2000)).toBe(1);
  });
});
