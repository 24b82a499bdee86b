/**
 * Barcodes as supermarkets print them.
 *
 * - GTIN-8/12/13/14: the GS1 mod-10 check digit (weights 3,1,3,1… from the right, excluding the
 *   check digit) is validated, then the code is left-padded to GTIN-14, the one key the catalog
 *   is indexed by.
 * - GS1 variable-measure codes (EAN-13 with prefix 2, as printed on deli, meat and produce labels):
 *   `2P IIIII VVVVV C` — a two-digit prefix, a five-digit item reference, a five-digit value and
 *   the check digit. Whether the value is a price (minor units) or a weight (grams) depends on the
 *   prefix, and national GS1 organisations differ, so the prefix table is store configuration with
 *   a common default. The item reference is matched to the product's PLU.
 * - PLU codes: 4 digits (conventional) or 5 digits starting with 9 (organic) per IFPS.
 */

export type ParsedBarcode =
  | { kind: "gtin"; gtin14: string }
  | { kind: "variable"; prefix: string; itemRef: string; measure: "price" | "weight"; value: number }
  | { kind: "invalid"; reason: string };

/** Which 2x prefixes carry a price and which a weight. */
export interface VariableMeasureScheme {
  price: string[];
  weight: string[];
}

/** Default: 20–22 price-embedded, 23–25 weight-embedded, 26–29 price (a common national layout). */
export const DEFAULT_VARIABLE_MEASURE: VariableMeasureScheme = {
  price: ["20", "21", "22", "26", "27", "28", "29"],
  weight: ["23", "24", "25"],
};

/** GS1 mod-10 check digit for the digits given (without the check digit). */
export function gs1CheckDigit(body: string): number {
  let sum = 0;
  for (let i = body.length - 1, w = 3; i >= 0; i--, w = w === 3 ? 1 : 3) {
    sum += (body.charCodeAt(i) - 48) * w;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidGtin(code: string): boolean {
  if (!/^\d+$/.test(code) || ![8, 12, 13, 14].includes(code.length)) return false;
  return gs1CheckDigit(code.slice(0, -1)) === code.charCodeAt(code.length - 1) - 48;
}

/** Normalise a valid GTIN-8/12/13/14 to GTIN-14; undefined when it is not a valid GTIN. */
export function toGtin14(code: string): string | undefined {
  const c = code.trim();
  return isValidGtin(c) ? c.padStart(14, "0") : undefined;
}

export function parseBarcode(
  raw: string,
  scheme: VariableMeasureScheme = DEFAULT_VARIABLE_MEASURE,
): ParsedBarcode {
  const code = raw.trim();
  if (!/^\d+$/.test(code)) return { kind: "invalid", reason: "a barcode has digits only" };
  if (![8, 12, 13, 14].includes(code.length)) {
    return { kind: "invalid", reason: `a GTIN has 8, 12, 13 or 14 digits, got ${code.length}` };
  }
  if (!isValidGtin(code)) return { kind: "invalid", reason: "check digit does not match" };
  // EAN-13 of a variable-measure item: prefix 2 (or a GTIN-14/UPC padding around it).
  const ean13 = code.length === 14 && code[0] === "0" ? code.slice(1) : code.length === 13 ? code : undefined;
  if (ean13 && ean13[0] === "2") {
    const prefix = ean13.slice(0, 2);
    const measure = scheme.weight.includes(prefix)
      ? "weight"
      : scheme.price.includes(prefix)
        ? "price"
        : undefined;
    if (measure) {
      return {
        kind: "variable",
        prefix,
        itemRef: ean13.slice(2, 7),
        measure,
        value: Number(ean13.slice(7, 12)),
      };
    }
  }
  return { kind: "gtin", gtin14: code.padStart(14, "0") };
}

/** Build a variable-measure EAN-13 (used by the simulator and tests to print labels). */
export function makeVariableMeasureCode(prefix: string, itemRef: string, value: number): string {
  const body = `${prefix}${itemRef.padStart(5, "0")}${String(Math.round(value)).padStart(5, "0")}`;
  if (body.length !== 12) throw new RangeError(`value ${value} does not fit five digits`);
  return body + gs1CheckDigit(body);
}

/** Append the check digit to a GTIN body (7, 11, 12 or 13 digits). */
export function withCheckDigit(body: string): string {
  return body + gs1CheckDigit(body);
}

export function isPlu(code: string): boolean {
  return /^(?:[3-4]\d{3}|9[3-4]\d{3})$/.test(code.trim());
}

/**
 * UPC-E (8 digits, number system 0 or 1, as printed on small US packs such as candy bars) →
 * UPC-A (12 digits) by the GS1 zero-suppression rules; undefined when `code` is not shaped like
 * UPC-E. An 8-digit scan can be EAN-8 or UPC-E; a scanner knows the symbology, a log may not, so
 * a lookup should try `toGtin14(upcEToUpcA(code))` when the EAN-8 reading finds nothing.
 */
export function upcEToUpcA(code: string): string | undefined {
  if (!/^[01]\d{7}$/.test(code)) return undefined;
  const ns = code[0];
  const d = code.slice(1, 7);
  const last = d[5];
  let body: string;
  if (last <= "2") body = `${d[0]}${d[1]}${last}0000${d[2]}${d[3]}${d[4]}`;
  else if (last === "3") body = `${d[0]}${d[1]}${d[2]}00000${d[3]}${d[4]}`;
  else if (last === "4") body = `${d[0]}${d[1]}${d[2]}${d[3]}00000${d[4]}`;
  else body = `${d.slice(0, 5)}0000${last}`;
  return `${ns}${body}${code[7]}`;
}
