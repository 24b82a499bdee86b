/**
 * The trade-off picture: as the accept threshold moves, reviews per 1,000 go one way and silent
 * errors per 1,000 the other. A self-contained HTML page with an inline SVG (no scripts, no CDN),
 * one point per threshold, both series, with the targets drawn as dashed lines.
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

export function tradeoffHtml(
  title: string,
  series: TradeoffSeries[],
  targets: { reviewsPer1000?: number; silentPer1000?: number } = {},
): string {
  const W = 720;
  const H = 440;
  const m = { l: 70, r: 20, t: 40, b: 60 };
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(10, ...all.map((p) => p.reviewsPer1000), targets.reviewsPer1000 ?? 0) * 1.08;
  const maxY = Math.max(2, ...all.map((p) => p.silentPer1000), targets.silentPer1000 ?? 0) * 1.1;
  const x = (v: number) => m.l + (v / maxX) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - (v / maxY) * (H - m.t - m.b);
  const colours = ["#1f6feb", "#d1242f", "#1a7f37", "#8250df"];
  const parts: string[] = [];
  parts.push(
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="#fff" stroke="#999"/>`,
  );
  for (let i = 0; i <= 5; i++) {
    const vx = (maxX * i) / 5;
    const vy = (maxY * i) / 5;
    parts.push(`<line x1="${x(vx)}" y1="${m.t}" x2="${x(vx)}" y2="${H - m.b}" stroke="#eee"/>`);
    parts.push(`<text x="${x(vx)}" y="${H - m.b + 18}" text-anchor="middle" font-size="12">${f1(vx)}</text>`);
    parts.push(`<line x1="${m.l}" y1="${y(vy)}" x2="${W - m.r}" y2="${y(vy)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.l - 8}" y="${y(vy) + 4}" text-anchor="end" font-size="12">${f1(vy)}</text>`);
  }
  if (targets.reviewsPer1000 !== undefined) {
    const tx = x(targets.reviewsPer1000);
    parts.push(
      `<line x1="${tx}" y1="${m.t}" x2="${tx}" y2="${H - m.b}" stroke="#555" stroke-dasharray="5,4"/>`,
    );
    parts.push(`<text x="${tx + 4}" y="${m.t + 14}" font-size="11" fill="#555">review target</text>`);
  }
  if (targets.silentPer1000 !== undefined) {
    const ty = y(targets.silentPer1000);
    parts.push(
      `<line x1="${m.l}" y1="${ty}" x2="${W - m.r}" y2="${ty}" stroke="#555" stroke-dasharray="5,4"/>`,
    );
    parts.push(
      `<text x="${W - m.r - 4}" y="${ty - 4}" text-anchor="end" font-size="11" fill="#555">silent-error target</text>`,
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
    for (const p of pts) {
      parts.push(
        `<circle cx="${x(p.reviewsPer1000).toFixed(1)}" cy="${y(p.silentPer1000).toFixed(1)}" r="4" fill="${c}"><title>threshold ${p.threshold}: ${f1(p.reviewsPer1000)} reviews, ${f1(p.silentPer1000)} silent errors per 1,000; ${p.promptsPerSession.toFixed(3)} prompts/session; ${f1(p.pctRightNoHuman)} % right with no human</title></circle>`,
      );
      parts.push(
        `<text x="${(x(p.reviewsPer1000) + 6).toFixed(1)}" y="${(y(p.silentPer1000) - 6).toFixed(1)}" font-size="10" fill="${c}">${p.threshold}</text>`,
      );
    }
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
