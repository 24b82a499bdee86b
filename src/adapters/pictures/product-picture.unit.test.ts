import { describe, expect, it } from "vitest";
import {
  contrast,
  escapeXml,
  inkFor,
  packColour,
  packShape,
  renderProductPicture,
  wrapName,
} from "./product-picture";

describe("product pictures", () => {
  it("takes the pack shape from the catalog, else guesses it from the name", () => {
    expect(packShape({ sku: "x", name: "Anything", pack: { shape: "Bottle" } })).toBe("bottle");
    expect(packShape({ sku: "x", name: "Anything", pack: { shape: "blob" } })).toBe("box");
    expect(packShape({ sku: "cola-330", name: "Cola 330 ml can" })).toBe("can");
    expect(packShape({ sku: "fiji", name: "FIJI Water 0.5 L" })).toBe("bottle");
    expect(packShape({ sku: "chips", name: "Sea Salt Chips" })).toBe("bag");
    expect(packShape({ sku: "banana", name: "Bananas" })).toBe("produce");
    expect(packShape({ sku: "x", name: "Mystery", soldBy: "weight" })).toBe("produce");
    expect(packShape({ sku: "x", name: "Raspberry Jam" })).toBe("jar");
  });

  it("hashes a stable colour from the sku, and accepts only safe catalog colours", () => {
    const a = packColour({ sku: "chips-salt", name: "A" });
    expect(a).toMatch(/^#[0-9a-f]{6}$/);
    expect(packColour({ sku: "chips-salt", name: "B" })).toBe(a);
    expect(packColour({ sku: "chips-vinegar", name: "A" })).not.toBe(a);
    expect(packColour({ sku: "x", name: "A", pack: { colour: "#ABC" } })).toBe("#aabbcc");
    expect(packColour({ sku: "x", name: "A", pack: { colour: "red" } })).toBe("#c62828");
    const injected = packColour({ sku: "x", name: "A", pack: { colour: 'red" onload="alert(1)' } });
    expect(injected).toMatch(/^#[0-9a-f]{6}$/);
  });

  it("writes the name in a colour that reads on the pack (WCAG AA for large text)", () => {
    for (const sku of ["a", "b", "cola-330", "fiji-500", "taco-bell-fire", "banana", "chips-salt"]) {
      const bg = packColour({ sku, name: sku });
      expect(contrast(bg, inkFor(bg))).toBeGreaterThanOrEqual(3);
    }
  });

  it("escapes the name and wraps it", () => {
    expect(escapeXml(`<b>&"'`)).toBe("&lt;b&gt;&amp;&quot;&apos;");
    const svg = renderProductPicture({ sku: "evil", name: "<script>alert(1)</script> Cola" });
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(wrapName("Sea Salt and Vinegar Kettle Chips Family Size", 10, 3)).toHaveLength(3);
    expect(wrapName("Cola", 10, 3)).toEqual(["Cola"]);
  });

  it("is deterministic", () => {
    const p = { sku: "cola-330", name: "Cola 330 ml can" };
    expect(renderProductPicture(p)).toBe(renderProductPicture({ ...p }));
  });
});
