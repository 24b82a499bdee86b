/**
 * WCAG AA for the app's text colours: every foreground/background pair the stylesheet uses for
 * text must reach 4.5:1. Reads the colours from styles.css itself, so a change there that breaks
 * contrast fails here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { contrast } from "../../src/adapters/pictures/product-picture";

const css = readFileSync(join(import.meta.dirname, "styles.css"), "utf8");
const vars = new Map(
  [...css.matchAll(/--([a-z0-9-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1], m[2].toLowerCase()]),
);
const v = (name: string) => {
  const c = vars.get(name);
  if (!c) throw new Error(`--${name} is not a #rrggbb colour in styles.css`);
  return c;
};

// [text, background, where]
const PAIRS: [string, string, string][] = [
  [v("ink"), v("paper"), "body text"],
  [v("ink"), v("paper-2"), "text on the page background"],
  [v("ink-2"), v("paper"), "muted text"],
  [v("ink-2"), v("paper-2"), "muted text on the page background"],
  [v("brand"), v("paper"), "links and outline buttons"],
  [v("brand-ink"), v("brand"), "primary buttons"],
  [v("ok"), v("ok-bg"), "accepted badge and sign"],
  [v("unsure"), v("unsure-bg"), "unsure badge, sign and line"],
  [v("bad"), v("bad-bg"), "alerts and payment badge"],
  [v("bad"), v("paper"), "danger buttons"],
  [v("ink"), "#e4e8ec", "neutral badge"],
  ["#ffffff", v("ink"), "top bars"],
  ["#cfe0ff", v("ink"), "top bar links"],
  ["#d0d7de", v("ink"), "cart id in the cart's top bar"],
  [v("ink"), v("unsure-bg"), "names on an unsure basket line"],
  [v("ink-2"), v("unsure-bg"), "details on an unsure basket line"],
];

describe("colour contrast (WCAG AA, 4.5:1 for text)", () => {
  for (const [fg, bg, where] of PAIRS) {
    it(`${where}: ${fg} on ${bg}`, () => {
      expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);
    });
  }
});
