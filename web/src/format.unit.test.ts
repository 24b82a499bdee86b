import { describe, expect, it } from "vitest";
import { dateTime } from "./format";

describe("dateTime", () => {
  it("writes the month in words, so no shopper reads the day as the month", () => {
    // 4 December 2026, 22:43:36 UTC: the receipt read "04/12/2026, 22:43:36" (April 12 in the US)
    const ms = Date.UTC(2026, 11, 4, 22, 43, 36);
    expect(dateTime(ms, "UTC")).toBe("4 Dec 2026, 22:43");
    expect(dateTime(ms, "America/New_York")).toBe("4 Dec 2026, 17:43");
  });
});
