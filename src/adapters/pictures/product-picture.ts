/**
 * Stand-in product pictures. No product photos ship with Skiplane, yet a reviewer deciding
 * between two look-alike candidates and a shopper answering "was it A or B?" both need a picture
 * to point at. This draws a clear, deterministic SVG per product: its pack shape (can, bottle,
 * box, bag, jar, produce — from `pack.shape`, else guessed from the name), a colour (from
 * `pack.colour`, else hashed from the sku so look-alikes still differ), and the name in large type.
 * Pure: the same product always gives the same bytes, so the route can cache it forever.
 */
import type { Product } from "../../domain/catalog/product";

export type PackShape = "can" | "bottle" | "box" | "bag" | "jar" | "produce";
const SHAPES: readonly PackShape[] = ["can", "bottle", "box", "bag", "jar", "produce"];

export type PictureInput = Pick<Product, "sku" | "name"> & Partial<Pick<Product, "soldBy" | "pack">>;

/** FNV-1a, 32 bit: a stable, well-spread hash for picking a hue from a sku. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const SHAPE_WORDS: [PackShape, RegExp][] = [
  ["can", /\b(can|cans|tin|soda|cola|beer|lager|energy drink|tuna)\b/i],
  ["bottle", /\b(bottle|water|juice|wine|ml|cl|litre|liter|\d+(\.\d+)?\s?l|oil|shampoo|ketchup|sauce)\b/i],
  ["jar", /\b(jar|jam|honey|pickles?|peanut butter|pesto|salsa|nutella|spread)\b/i],
  [
    "bag",
    /\b(bag|chips|crisps|pretzels?|popcorn|nuts|rice|flour|sugar|pasta|candy|gummies|doritos|cheetos|takis|snacks?|jerky|bread|coffee beans)\b/i,
  ],
  [
    "produce",
    /\b(banana|bananas|apple|apples|orange|oranges|lemon|lime|avocado|tomato|tomatoes|potato|potatoes|onion|onions|carrot|carrots|grapes|pear|pears|pepper|peppers|cucumber|broccoli|lettuce|mango|kiwi|melon|peach|plum|cherries|garlic|ginger|mushrooms?)\b/i,
  ],
  ["box", /\b(box|cereal|crackers|cookies|biscuits|tea|bar|bars|pack|carton|gum|mints?|chocolate)\b/i],
];

/** The pack shape to draw: the catalog's hint when it names a known shape, else a guess from the name. */
export function packShape(p: PictureInput): PackShape {
  const hint = p.pack?.shape?.toLowerCase().trim();
  if (hint && (SHAPES as readonly string[]).includes(hint)) return hint as PackShape;
  for (const [shape, re] of SHAPE_WORDS) if (re.test(p.name)) return shape;
  if (p.soldBy === "weight") return "produce";
  return "box";
}

const NAMED_COLOURS: Record<string, string> = {
  red: "#c62828",
  orange: "#ef6c00",
  yellow: "#f9d71c",
  green: "#2e7d32",
  blue: "#1565c0",
  purple: "#6a1b9a",
  pink: "#d81b60",
  brown: "#6d4c41",
  black: "#212121",
  white: "#f5f5f5",
  grey: "#757575",
  gray: "#757575",
  silver: "#b0bec5",
  gold: "#c9a227",
  teal: "#00796b",
};

/** Fruit and vegetables everyone knows the colour of. */
const PRODUCE_COLOURS: [RegExp, string][] = [
  [/\bbananas?\b|\blemons?\b/i, "#f9d71c"],
  [/\bapples?\b|\btomato(es)?\b|\bcherr(y|ies)\b|\bstrawberr(y|ies)\b/i, "#c62828"],
  [/\boranges?\b|\bcarrots?\b|\bmandarins?\b/i, "#ef6c00"],
  [/\blimes?\b|\bcucumbers?\b|\bbroccoli\b|\blettuce\b|\bkiwis?\b/i, "#2e7d32"],
  [/\bavocados?\b/i, "#33691e"],
  [/\bgrapes?\b|\bplums?\b|\baubergines?\b|\beggplants?\b/i, "#6a1b9a"],
  [/\bpotato(es)?\b|\bonions?\b/i, "#a1887f"],
];

/** hsl → #rrggbb, so the colour can be compared for contrast. h in degrees, s and l in [0, 1]. */
function hslToHex(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(c * 255)
      .toString(16)
      .padStart(2, "0");
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}

/**
 * The pack colour: the catalog's `pack.colour` when it is a hex colour or a plain colour word
 * (anything else is ignored — it ends up inside SVG), else a hue hashed from the sku at a fixed
 * saturation and lightness so every picture is equally readable.
 */
export function packColour(p: PictureInput): string {
  const c = p.pack?.colour?.trim().toLowerCase();
  if (c) {
    if (/^#[0-9a-f]{6}$/.test(c)) return c;
    if (/^#[0-9a-f]{3}$/.test(c)) return `#${c[1]}${c[1]}${c[2]}${c[2]}${c[3]}${c[3]}`;
    if (NAMED_COLOURS[c]) return NAMED_COLOURS[c];
  }
  for (const [re, colour] of PRODUCE_COLOURS) if (re.test(p.name)) return colour;
  return hslToHex(hashString(p.sku) % 360, 0.62, 0.42);
}

function channel(v: number): number {
  const s = v / 255;
  return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
}
/** WCAG relative luminance of #rrggbb. */
export function luminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
}
/** WCAG contrast ratio of two #rrggbb colours. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
/** Black or white, whichever reads better on the given background. */
export function inkFor(bg: string): string {
  return contrast(bg, "#000000") >= contrast(bg, "#ffffff") ? "#111111" : "#ffffff";
}

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (ch) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[ch]!,
  );
}

/** Greedy word wrap into at most `maxLines` lines of about `width` characters; the last is cut with "…". */
export function wrapName(name: string, width: number, maxLines: number): string[] {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let cur = "";
  for (const w of words) {
    const next = cur ? `${cur} ${w}` : w;
    if (next.length <= width || !cur) cur = next;
    else {
      lines.push(cur);
      cur = w;
    }
  }
  if (cur) lines.push(cur);
  if (lines.length > maxLines) {
    const kept = lines.slice(0, maxLines);
    kept[maxLines - 1] = `${kept[maxLines - 1].slice(0, Math.max(1, width - 1))}…`;
    return kept.map((l) => (l.length > width + 1 ? `${l.slice(0, width)}…` : l));
  }
  return lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
}

/** The pack outline in a 200×200 box, drawn in the fill colour with a darker edge. */
function shapePath(shape: PackShape, fill: string, ink: string): string {
  const edge = `stroke="#00000055" stroke-width="3"`;
  switch (shape) {
    case "can":
      return [
        `<rect x="52" y="22" width="96" height="156" rx="14" fill="${fill}" ${edge}/>`,
        `<ellipse cx="100" cy="26" rx="46" ry="8" fill="#cfd8dc" ${edge}/>`,
        `<rect x="52" y="62" width="96" height="70" fill="${ink}" fill-opacity="0.12"/>`,
      ].join("");
    case "bottle":
      return [
        `<path d="M86 12 h28 v26 c0 10 26 18 26 40 v92 c0 8 -6 14 -14 14 h-52 c-8 0 -14 -6 -14 -14 v-92 c0 -22 26 -30 26 -40 z" fill="${fill}" ${edge}/>`,
        `<rect x="84" y="6" width="32" height="12" rx="3" fill="#37474f"/>`,
        `<rect x="60" y="84" width="80" height="62" fill="${ink}" fill-opacity="0.12"/>`,
      ].join("");
    case "jar":
      return [
        `<rect x="46" y="48" width="108" height="134" rx="20" fill="${fill}" ${edge}/>`,
        `<rect x="54" y="22" width="92" height="28" rx="6" fill="#455a64" ${edge}/>`,
      ].join("");
    case "bag":
      return [
        `<path d="M44 26 l8 -8 h96 l8 8 l-4 12 l10 128 l-6 14 h-112 l-6 -14 l10 -128 z" fill="${fill}" ${edge}/>`,
        `<path d="M46 36 h108" stroke="#00000040" stroke-width="3" stroke-dasharray="6 5"/>`,
      ].join("");
    case "produce":
      return [
        `<ellipse cx="100" cy="112" rx="74" ry="66" fill="${fill}" ${edge}/>`,
        `<path d="M100 48 c4 -18 14 -28 30 -32 c-6 16 -16 26 -30 32 z" fill="#2e7d32"/>`,
        `<ellipse cx="72" cy="84" rx="16" ry="10" fill="#ffffff" fill-opacity="0.25"/>`,
      ].join("");
    case "box":
      return [
        `<path d="M40 40 l20 -18 h100 v140 l-20 18 z" fill="${fill}" fill-opacity="0.75" ${edge}/>`,
        `<rect x="40" y="40" width="100" height="140" fill="${fill}" ${edge}/>`,
      ].join("");
  }
}

/** Text box of each shape, where the name is written: [x centre, first baseline, chars per line, lines]. */
const LABEL: Record<PackShape, [number, number, number, number]> = {
  can: [100, 82, 9, 4],
  bottle: [100, 102, 8, 4],
  jar: [100, 86, 10, 5],
  bag: [100, 70, 11, 5],
  produce: [100, 100, 11, 4],
  box: [90, 70, 9, 6],
};

/** Renders the stand-in picture: a 200×200 SVG with a title for assistive technology. */
export function renderProductPicture(p: PictureInput): string {
  const shape = packShape(p);
  const fill = packColour(p);
  const ink = inkFor(fill);
  const [cx, y0, width, maxLines] = LABEL[shape];
  const lines = wrapName(p.name, width, maxLines);
  const size = lines.length > 3 ? 14 : 16;
  const text = lines
    .map(
      (l, i) =>
        `<text x="${cx}" y="${y0 + i * (size + 3)}" font-size="${size}" text-anchor="middle">${escapeXml(l)}</text>`,
    )
    .join("");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" height="200" role="img" aria-label="${escapeXml(p.name)}">`,
    `<title>${escapeXml(p.name)}</title>`,
    `<rect width="200" height="200" fill="#f4f6f8"/>`,
    shapePath(shape, fill, ink),
    `<g fill="${ink}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-weight="700">${text}</g>`,
    `</svg>`,
  ].join("");
}

/** A picture for a sku the catalog does not know: a grey box with a question mark. */
export function renderUnknownPicture(sku: string): string {
  return renderProductPicture({ sku, name: `? ${sku}`, pack: { shape: "box", colour: "grey" } });
}
