import { describe, expect, it } from "vitest";
import { indexCatalog } from "../catalog/product";
import { DEFAULT_STORE_SETTINGS, UK_VAT } from "../store/store-settings";
import { priceBasket } from "./price-basket";
import { TEST_CATALOG, unitProduct, weighedProduct } from "./pricing.fixtures";
import { formatReceiptText } from "./receipt.text";

describe("receipt text", () => {
  it("prints lines, savings, tax per rate and the total", () => {
    const r = priceBasket(
      { items: [{ sku: "cola", qty: 3 }], weighed: [{ sku: "banana", grams: 612 }] },
      TEST_CATALOG,
      {
        ...DEFAULT_STORE_SETTINGS,
        promotions: [{ code: "multi-buy", label: "3 for 2", args: { skus: ["cola"], buy: 3, pay: 2 } }],
      },
    );
    const text = formatReceiptText(r, { title: "Demo", session: "s-1", width: 48 });
    expect(text).toBe(
      [
        "Demo",
        "Session s-1",
        "-".repeat(48),
        "banana  0.612 kg @ $2.19/kg              $1.34 F",
        "cola  3 @ $1.29                          $3.87 T",
        "  3 for 2                               -$1.29  ",
        "-".repeat(48),
        "Subtotal                                 $5.21  ",
        "Savings                                 -$1.29  ",
        "T Sales tax 8.25% on $2.58               $0.21  ",
        "F Sales tax (grocery) 1% on $1.34        $0.01  ",
        "TOTAL                                    $4.14  ",
        '  saved $1.29 with "3 for 2"',
        "",
      ].join("\n"),
    );
  });

  it("shows included VAT below the total", () => {
    const catalog = indexCatalog("GBP", [
      unitProduct("tea", 250, undefined, "standard"),
      weighedProduct("apples", 200, undefined, "zero"),
    ]);
    const r = priceBasket({ items: [{ sku: "tea", qty: 1 }], weighed: [] }, catalog, {
      currency: "GBP",
      tax: UK_VAT,
      promotions: [],
    });
    expect(formatReceiptText(r, { width: 40 })).toContain("A VAT 20% included in £2.50      £0.42  ");
  });
});
