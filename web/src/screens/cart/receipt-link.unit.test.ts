import { describe, expect, it } from "vitest";
import { RECEIPT_LINK_MS, visibleReceiptLink } from "./receipt-link";

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
});
