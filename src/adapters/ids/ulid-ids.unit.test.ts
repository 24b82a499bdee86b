import { describe, expect, it } from "vitest";
import { ulidFactory, ulidIds } from "./ulid-ids";

describe("ulid ids", () => {
  it("are prefixed, 26 Crockford chars, and encode the time", () => {
    const id = ulidIds(() => 1_700_000_000_000)("sess");
    expect(id).toMatch(/^sess_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(id.slice(5, 15)).toBe("01HF7YAT00");
  });
  it("sort in creation order within one millisecond and when the clock steps back", () => {
    let t = 1_700_000_000_000;
    const next = ulidFactory(() => t);
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i === 500) t -= 10;
      if (i === 700) t += 50;
      ids.push(next());
    }
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
  });
});
