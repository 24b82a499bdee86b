/**
 * The trade-off picture: as the accept threshold moves, reviews per 1,000 go one way and silent
 * errors per 1,000 the other. A self-contained HTML page with an inline SVG (no scripts, no CDN),
 * one point per threshold, both series, with the targets drawn as dashed lines. Axes tick at
 * round numbers; labels are placed where they cover no point, legend or other label.
 */
export interface TradeoffPoint {
  threshold: number;
  reviewsPer1000: number;
  silentPer1000: number;
  promptsPerSession: number;
  pctRightNoHuman: number;
}

export interface TradeoffSeries {
  label: string;
  points: TradeoffPoint[];
}

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
const f1 = (x: number) => (Math.round(x * 10) / 10).toString();

/**
 * Axis ticks a reader can read: from 0 in steps of 1, 2 or 5 × 10^k, the fewest that reach
 * `max` with about `count` intervals (the usual "nice numbers" rule, Heckbert, Graphics Gems
 * 1990). The last tick is the axis end, at or above `max`.
 */
export function niceTicks(max: number, count = 5): { step: number; ticks: number[] } {
  const top = max > 0 && Number.isFinite(max) ? max : 1;
  const raw = top / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((k) => k * pow >= raw * (1 - 1e-9)) ?? 10) * pow;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const n = Math.ceil(top / step - 1e-9);
  const ticks = Array.from({ length: n + 1 }, (_, i) => Number((i * step).toFixed(decimals)));
  return { step, ticks };
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
/** the box of a text at (x, y) baseline, by its anchor; width estimated at 0.6 em per character */
function textBox(x: number, y: number, text: string, size: number, anchor: "start" | "end"): Box {
  const w = text.length * size * 0.6;
  return { x: anchor === "start" ? x : x - w, y: y - size, w, h: size * 1.25 };
}

/**
 * Places each label at the first of its candidate spots that overlaps nothing placed so far
 * (points, the legend, other labels) and stays inside `area`; the first spot when none is free.
 */
function placeLabel(
  candidates: { x: number; y: number; anchor: "start" | "end" }[],
  text: string,
  size: number,
  taken: Box[],
  area: Box,
): { x: number; y: number; anchor: "start" | "end" } {
  for (const c of candidates) {
    const b = textBox(c.x, c.y, text, size, c.anchor);
    const inside =
      b.x >= area.x && b.y >= area.y && b.x + b.w <= area.x + area.w && b.y + b.h <= area.y + area.h;
    if (inside && !taken.some((t) => overlaps(t, b))) {
      taken.push(b);
      return c;
    }
  }
  const c = candidates[0];
  taken.push(textBox(c.x, c.y, text, size, c.anchor));
  return c;
}

export function tradeoffHtml(
  title: string,
  series: TradeoffSeries[],
  targets: { reviewsPer1000?: number; silentPer1000?: number } = {},
): string {
  const W = 720;
  const H = 440;
  const m = { l: 70, r: 20, t: 40, b: 60 };
  const all = series.flatMap((s) => s.points);
  const xt = niceTicks(Math.max(10, ...all.map((p) => p.reviewsPer1000), targets.reviewsPer1000 ?? 0) * 1.05);
  const yt = niceTicks(Math.max(2, ...all.map((p) => p.silentPer1000), targets.silentPer1000 ?? 0) * 1.05);
  const maxX = xt.ticks[xt.ticks.length - 1];
  const maxY = yt.ticks[yt.ticks.length - 1];
  const x = (v: number) => m.l + (v / maxX) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - (v / maxY) * (H - m.t - m.b);
  const colours = ["#1f6feb", "#d1242f", "#1a7f37", "#8250df"];
  const plot: Box = { x: m.l, y: m.t, w: W - m.l - m.r, h: H - m.t - m.b };
  const parts: string[] = [];
  parts.push(
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="#fff" stroke="#999"/>`,
  );
  for (const v of xt.ticks) {
    parts.push(`<line x1="${x(v)}" y1="${m.t}" x2="${x(v)}" y2="${H - m.b}" stroke="#eee"/>`);
    parts.push(`<text x="${x(v)}" y="${H - m.b + 18}" text-anchor="middle" font-size="12">${v}</text>`);
  }
  for (const v of yt.ticks) {
    parts.push(`<line x1="${m.l}" y1="${y(v)}" x2="${W - m.r}" y2="${y(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 8}" y="${y(v) + 4}" text-anchor="end" font-size="12">${v}</text>`);
  }
  // what labels must not cover: every point, and the legend
  const taken: Box[] = all.map((p) => ({
    x: x(p.reviewsPer1000) - 5,
    y: y(p.silentPer1000) - 5,
    w: 10,
    h: 10,
  }));
  series.forEach((s, si) => {
    taken.push(textBox(W - m.r - 230, m.t + 35 + 16 * si, `xx ${s.label}`, 12, "start"));
  });
  // the lines between points, as small boxes every few pixels along them
  for (const s of series) {
    const pts = [...s.points].sort((a, b) => a.threshold - b.threshold);
    for (let i = 1; i < pts.length; i++) {
      const [x0, y0] = [x(pts[i - 1].reviewsPer1000), y(pts[i - 1].silentPer1000)];
      const [x1, y1] = [x(pts[i].reviewsPer1000), y(pts[i].silentPer1000)];
      const n = Math.ceil(Math.hypot(x1 - x0, y1 - y0) / 4);
      for (let k = 1; k < n; k++)
        taken.push({ x: x0 + ((x1 - x0) * k) / n - 1.5, y: y0 + ((y1 - y0) * k) / n - 1.5, w: 3, h: 3 });
    }
  }
  // and the target lines (a label struck through by one is hard to read)
  if (targets.reviewsPer1000 !== undefined)
    taken.push({ x: x(targets.reviewsPer1000) - 1, y: m.t, w: 2, h: H - m.t - m.b });
  if (targets.silentPer1000 !== undefined)
    taken.push({ x: m.l, y: y(targets.silentPer1000) - 1, w: W - m.l - m.r, h: 2 });
  // the thresholds' labels first (each belongs next to its point), then the targets' (free to
  // go to either end of their line)
  const pointLabels = series.map((s) =>
    [...s.points]
      .sort((a, b) => a.threshold - b.threshold)
      .map((p) => {
        const px = x(p.reviewsPer1000);
        const py = y(p.silentPer1000);
        return placeLabel(
          [
            { x: px + 6, y: py - 6, anchor: "start" as const },
            { x: px + 6, y: py + 14, anchor: "start" as const },
            { x: px - 6, y: py - 6, anchor: "end" as const },
            { x: px - 6, y: py + 14, anchor: "end" as const },
            { x: px, y: py - 16, anchor: "start" as const },
            { x: px, y: py - 16, anchor: "end" as const },
          ],
          String(p.threshold),
          10,
          taken,
          plot,
        );
      }),
  );
  if (targets.reviewsPer1000 !== undefined) {
    const tx = x(targets.reviewsPer1000);
    parts.push(
      `<line x1="${tx}" y1="${m.t}" x2="${tx}" y2="${H - m.b}" stroke="#555" stroke-dasharray="5,4"/>`,
    );
    const at = placeLabel(
      // down the line from the top, either side of it
      Array.from({ length: 16 }, (_, k) => [
        { x: tx + 4, y: m.t + 14 + 20 * k, anchor: "start" as const },
        { x: tx - 4, y: m.t + 14 + 20 * k, anchor: "end" as const },
      ]).flat(),
      "review target",
      11,
      taken,
      plot,
    );
    parts.push(
      `<text x="${at.x}" y="${at.y}" text-anchor="${at.anchor}" font-size="11" fill="#555">review target</text>`,
    );
  }
  if (targets.silentPer1000 !== undefined) {
    const ty = y(targets.silentPer1000);
    parts.push(
      `<line x1="${m.l}" y1="${ty}" x2="${W - m.r}" y2="${ty}" stroke="#555" stroke-dasharray="5,4"/>`,
    );
    const at = placeLabel(
      // along the line from the right end, above it, then below it
      Array.from({ length: 30 }, (_, k) => [
        { x: W - m.r - 4 - 20 * k, y: ty - 4, anchor: "end" as const },
        { x: W - m.r - 4 - 20 * k, y: ty + 13, anchor: "end" as const },
      ]).flat(),
      "silent-error target",
      11,
      taken,
      plot,
    );
    parts.push(
      `<text x="${at.x}" y="${at.y}" text-anchor="${at.anchor}" font-size="11" fill="#555">silent-error target</text>`,
    );
  }
  series.forEach((s, si) => {
    const c = colours[si % colours.length];
    const pts = [...s.points].sort((a, b) => a.threshold - b.threshold);
    if (pts.length > 1) {
      parts.push(
        `<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map((p) => `${x(p.reviewsPer1000).toFixed(1)},${y(p.silentPer1000).toFixed(1)}`).join(" ")}"/>`,
      );
    }
    pts.forEach((p, pi) => {
      const px = x(p.reviewsPer1000);
      const py = y(p.silentPer1000);
      parts.push(
        `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="4" fill="${c}"><title>threshold ${p.threshold}: ${f1(p.reviewsPer1000)} reviews, ${f1(p.silentPer1000)} silent errors per 1,000; ${p.promptsPerSession.toFixed(3)} prompts/session; ${f1(p.pctRightNoHuman)} % right with no human</title></circle>`,
      );
      const label = String(p.threshold);
      const at = pointLabels[si][pi];
      parts.push(
        `<text x="${at.x.toFixed(1)}" y="${at.y.toFixed(1)}" text-anchor="${at.anchor}" font-size="10" fill="${c}">${label}</text>`,
      );
    });
    parts.push(`<rect x="${W - m.r - 230}" y="${m.t + 26 + 16 * si}" width="10" height="10" fill="${c}"/>`);
    parts.push(`<text x="${W - m.r - 214}" y="${m.t + 35 + 16 * si}" font-size="12">${esc(s.label)}</text>`);
  });
  parts.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - m.b + 38}" text-anchor="middle" font-size="13">reviews per 1,000 sessions</text>`,
  );
  parts.push(
    `<text transform="translate(18 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle" font-size="13">silent errors per 1,000 sessions</text>`,
  );
  parts.push(`<text x="${m.l}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${parts.join("")}</svg>`;
  const rows = series
    .flatMap((s) =>
      [...s.points]
        .sort((a, b) => a.threshold - b.threshold)
        .map(
          (p) =>
            `<tr><td>${esc(s.label)}</td><td>${p.threshold}</td><td>${f1(p.reviewsPer1000)}</td><td>${f1(p.silentPer1000)}</td><td>${p.promptsPerSession.toFixed(3)}</td><td>${p.pctRightNoHuman.toFixed(2)}</td></tr>`,
        ),
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin-top:16px}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}th{background:#f4f4f4}</style>
</head><body>
<p>Each point is one accept threshold of the fusion policy: lower thresholds accept more decisions (fewer reviews, more silent errors); higher thresholds ask more. Hover a point for its figures.</p>
${svg}
<table><tr><th>mode</th><th>threshold</th><th>reviews / 1,000</th><th>silent errors / 1,000</th><th>prompts / session</th><th>% right, no human</th></tr>
${rows}
</table></body></html>
`;
}
