import { describe, expect, it } from "vitest";
import {
  gs1CheckDigit,
  isPlu,
  isValidGtin,
  makeVariableMeasureCode,
  parseBarcode,
  toGtin14,
  upcEToUpcA,
} from "./barcode";

describe("GTIN", () => {
  it("validates check digits of real codes", () => {
    expect(isValidGtin("5449000000996")).toBe(true); // Coca-Cola 330 ml, EAN-13
    expect(isValidGtin("5449000000997")).toBe(false);
    expect(isValidGtin("96385074")).toBe(true); // GTIN-8 example from GS1
    expect(isValidGtin("036000291452")).toBe(true); // UPC-A from GS1
    expect(gs1CheckDigit("03600029145")).toBe(2);
  });
  it("normalises to GTIN-14", () => {
    expect(toGtin14("036000291452")).toBe("00036000291452");
    expect(toGtin14("5449000000996")).toBe("05449000000996");
    expect(toGtin14("123")).toBeUndefined();
  });
  it("rejects non-digits and wrong lengths with a reason", () => {
    expect(parseBarcode("12a4")).toEqual({ kind: "invalid", reason: "a barcode has digits only" });
    expect(parseBarcode("12345").kind).toBe("invalid");
  });
});

describe("GS1 variable-measure codes", () => {
  it("decodes a weight-embedded label", () => {
    const code = makeVariableMeasureCode("23", "4011", 612);
    expect(code).toHaveLength(13);
    expect(parseBarcode(code)).toEqual({
      kind: "variable",
      prefix: "23",
      itemRef: "04011",
      measure: "weight",
      value: 612,
    });
  });
  it("decodes a price-embedded label", () => {
    expect(parseBarcode(makeVariableMeasureCode("20", "123", 499))).toMatchObject({
      measure: "price",
      value: 499,
    });
  });
  it("PLU codes", () => {
    expect(isPlu("4011")).toBe(true);
    expect(isPlu("94011")).toBe(true);
    expect(isPlu("12")).toBe(false);
  });
});

describe("UPC-E", () => {
  it("expands zero-suppressed codes by the four GS1 rules", () => {
    expect(upcEToUpcA("03422900")).toBe("034000002290"); // Kit Kat: 6th digit 0–2
    expect(upcEToUpcA("01234531")).toBe("012300000451"); // 6th digit 3
    expect(upcEToUpcA("01234543")).toBe("012340000053"); // 6th digit 4
    expect(upcEToUpcA("01234572")).toBe("012345000072"); // 6th digit 5–9
    for (const c of ["03422900", "01234531", "01234543", "01234572"])
      expect(isValidGtin(upcEToUpcA(c)!)).toBe(true);
    expect(upcEToUpcA("21234572")).toBeUndefined();
    expect(upcEToUpcA("0123457")).toBeUndefined();
  });
});
