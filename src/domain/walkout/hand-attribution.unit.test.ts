import { describe, expect, it } from "vitest";
import { HandModel } from "./hand-attribution";

const at = { x: 1, y: 0.25, z: 1 };
const trained = () => {
  const m = new HandModel();
  // actors' hands seen 4 times in 5 samples, their mean within ±2 cm of the change
  for (let i = 0; i < 200; i++) {
    const d = ((i % 5) - 2) * 0.01;
    m.learn({ samples: 5, k: 4, mean: [at.x + d, at.y - d, at.z + d / 2] }, at);
  }
  return m;
};

describe("HandModel", () => {
  it("learns the actor's hand spread and how often it is seen from one-shopper changes", () => {
    const m = trained();
    expect(m.seenRate()).toBeGreaterThan(0.75);
    expect(Math.sqrt(m.variance()[0])).toBeLessThan(0.025);
  });

  it("prefers the hand at the change over one a plate (12 cm) away, and over a body whose hand was not seen", () => {
    const m = trained();
    const p = m.posterior(
      new Map([
        ["A", { samples: 3, k: 3, mean: [at.x + 0.01, at.y, at.z] as [number, number, number] }],
        ["B", { samples: 3, k: 3, mean: [at.x + 0.12, at.y, at.z] as [number, number, number] }],
        ["C", { samples: 3, k: 0 }],
      ]),
      at,
    );
    expect(p.get("A")!).toBeGreaterThan(0.99);
  });

  it("one stray hand reading does not hand the change to a shopper whose hand was never seen", () => {
    const m = trained();
    const p = m.posterior(
      new Map([
        ["A", { samples: 4, k: 1, mean: [at.x, at.y - 0.24, at.z + 0.07] as [number, number, number] }],
        ["B", { samples: 4, k: 0 }],
      ]),
      at,
    );
    expect(p.get("B")!).toBeLessThan(0.5);
  });

  it("two hands at the change: no winner", () => {
    const m = trained();
    const h = { samples: 3, k: 3, mean: [at.x, at.y, at.z] as [number, number, number] };
    const p = m.posterior(
      new Map([
        ["A", h],
        ["B", h],
      ]),
      at,
    );
    expect(p.get("A")).toBeCloseTo(0.5, 6);
  });
});
