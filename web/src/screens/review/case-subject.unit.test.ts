import { describe, expect, it } from "vitest";
import { caseSubject, NO_LINE } from "./case-subject";

const nameOf = (s: string) => ({ ketchup: "Ketchup", bananas: "Bananas" })[s] ?? s;
const line = (sku: string, x: { qty?: number; grams?: number }) => ({
  lineId: `l-${sku}`,
  sku,
  status: "unsure",
  evidence: null,
  ...x,
});

describe("caseSubject", () => {
  it("names the case's lines, so two cases of one session read differently in the queue", () => {
    expect(caseSubject({ lines: [line("ketchup", { qty: 1 })] }, nameOf)).toBe("Ketchup × 1");
    expect(caseSubject({ lines: [] }, nameOf)).toBe(NO_LINE);
    expect(caseSubject({ lines: [line("bananas", { grams: 612 })] }, nameOf)).toMatch(/^Bananas 612\s?g$/);
  });
});
