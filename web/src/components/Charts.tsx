/**
 * Small hand-written SVG charts: a day's figures by hour (bars or a line) and the weight trace
 * around a review case. They draw a few dozen points, so a charting library would be mostly
 * weight; every chart carries an aria-label summary and its numbers in a table for screen readers.
 */
import { type ReactNode, useId } from "react";

export interface Point {
  x: number;
  y: number;
}

/**
 * The y axis of a small chart: 0, s and 2s, with 2s at or above the largest value and s the
 * first of 1, 2, 2.5, 5 × 10^k that is a whole number of `unit` — the smallest difference the
 * chart's labels can show (1 for counts, 0.1 for one decimal, 100 for whole dollars in cents).
 * So no label is rounded: before, a count axis read 0, 3, 5 (2.5 rounded) and a per-1,000 axis
 * with nothing in it 0, 1, 1.
 */
export function axisTicks(maxValue: number, unit: number): [number, number, number] {
  const need = Math.max(unit, maxValue / 2);
  let p = 10 ** Math.floor(Math.log10(need));
  for (;;) {
    for (const m of [1, 2, 2.5, 5]) {
      const s = m * p;
      const units = s / unit;
      if (s >= need * (1 - 1e-9) && Math.abs(units - Math.round(units)) < 1e-6 * Math.max(1, units))
        return [0, s, 2 * s];
    }
    p *= 10;
  }
}

export function HourlyChart(props: {
  title: string;
  points: Point[];
  kind: "bar" | "line";
  format: (y: number) => string;
  /** the smallest difference `format` shows (1 for counts, 0.1 for one decimal): see axisTicks */
  unit: number;
  /** the current figure shown large beside the title */
  headline?: ReactNode;
}) {
  const id = useId();
  const W = 320;
  const H = 130;
  const pts0 = props.points;
  const ticks = axisTicks(Math.max(0, ...pts0.map((p) => p.y)), props.unit);
  // room for the longest y label (about 6 px a character at font size 10)
  const L = 10 + 6 * Math.max(...ticks.map((t) => props.format(t).length));
  const B = 18;
  const T = 8;
  const R = 6;
  const pts = pts0;
  const max = ticks[2];
  const x0 = 0;
  const x1 = 24;
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) => H - B - (y / max) * (H - B - T);
  const bw = ((W - L - R) / 24) * 0.7;
  const summary = pts.length
    ? `${props.title}: ${pts.map((p) => `${p.x}:00 ${props.format(p.y)}`).join(", ")}`
    : `${props.title}: no data yet today`;
  return (
    <figure className="card chart" style={{ margin: 0 }}>
      <figcaption style={{ display: "flex", justifyContent: "space-between", alignItems: "baseline" }}>
        <h3 id={id}>{props.title}</h3>
        {props.headline !== undefined && <strong className="num">{props.headline}</strong>}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={id} aria-describedby={`${id}-d`}>
        <desc id={`${id}-d`}>{summary}</desc>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={L} x2={W - R} y1={sy(t)} y2={sy(t)} stroke="#c9d0d6" strokeWidth={1} />
            <text x={L - 4} y={sy(t) + 4} fontSize={10} textAnchor="end" fill="#49515a">
              {props.format(t)}
            </text>
          </g>
        ))}
        {[0, 6, 12, 18, 24].map((h) => (
          <text key={h} x={sx(h)} y={H - 4} fontSize={10} textAnchor="middle" fill="#49515a">
            {String(h).padStart(2, "0")}
          </text>
        ))}
        {props.kind === "bar"
          ? pts.map((p) => (
              <rect
                key={p.x}
                x={sx(p.x + 0.5) - bw / 2}
                y={sy(p.y)}
                width={bw}
                height={sy(0) - sy(p.y)}
                fill="#0b57d0"
              />
            ))
          : pts.length > 0 && (
              <>
                <polyline
                  fill="none"
                  stroke="#0b57d0"
                  strokeWidth={2}
                  points={pts.map((p) => `${sx(p.x + 0.5)},${sy(p.y)}`).join(" ")}
                />
                {pts.map((p) => (
                  <circle key={p.x} cx={sx(p.x + 0.5)} cy={sy(p.y)} r={3} fill="#0b57d0" />
                ))}
              </>
            )}
        {pts.length === 0 && (
          <text x={W / 2} y={H / 2} textAnchor="middle" fontSize={12} fill="#49515a">
            no data yet today
          </text>
        )}
      </svg>
    </figure>
  );
}

/**
 * The scale around a review case: the samples when the server has them, else the settled load
 * before and after (a step) with the ±2 sd band of the estimated change, and the moments the
 * camera saw something cross the rim.
 */
export function WeightTrace(props: {
  samples?: { t: number; grams: number }[];
  change?: { startT: number; endT: number; before: number; after: number; delta: number; sd: number };
  marks?: { t: number; label: string }[];
}) {
  const id = useId();
  const W = 520;
  const H = 200;
  const L = 52;
  const B = 22;
  const T = 10;
  const R = 10;
  const c = props.change;
  const samples =
    props.samples && props.samples.length > 1
      ? props.samples
      : c
        ? [
            { t: c.startT - 1500, grams: c.before },
            { t: c.startT, grams: c.before },
            { t: c.endT, grams: c.after },
            { t: c.endT + 1500, grams: c.after },
          ]
        : [];
  if (samples.length < 2) {
    return <p className="muted">No weight change was recorded for this event.</p>;
  }
  const ts = [...samples.map((s) => s.t), ...(props.marks ?? []).map((m) => m.t)];
  const gs = samples.map((s) => s.grams);
  const tMin = Math.min(...ts);
  const tMax = Math.max(...ts, tMin + 1);
  // zoom on the change when there is one (an earlier item's step would flatten it), else fit all
  let gMin: number;
  let gMax: number;
  if (c) {
    const span = Math.max(30, Math.abs(c.delta) * 0.6, c.sd * 6);
    gMin = Math.min(c.before, c.after) - span;
    gMax = Math.max(c.before, c.after) + span;
  } else {
    const pad = Math.max(20, (Math.max(...gs) - Math.min(...gs)) * 0.15);
    gMin = Math.min(...gs) - pad;
    gMax = Math.max(...gs) + pad;
  }
  const sx = (t: number) => L + ((t - tMin) / (tMax - tMin)) * (W - L - R);
  const sy = (g: number) =>
    H - B - ((Math.min(gMax, Math.max(gMin, g)) - gMin) / (gMax - gMin)) * (H - B - T);
  const path = samples.map((s) => `${sx(s.t).toFixed(1)},${sy(s.grams).toFixed(1)}`).join(" ");
  const label = c
    ? `Weight went from ${Math.round(c.before)} g to ${Math.round(c.after)} g: a change of ${c.delta >= 0 ? "+" : ""}${Math.round(c.delta)} g (± ${Math.round(c.sd * 2)} g)`
    : `Scale samples from ${Math.round(Math.min(...gs))} g to ${Math.round(Math.max(...gs))} g`;
  return (
    <figure style={{ margin: 0 }}>
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby={id}
        style={{ width: "100%", height: "auto" }}
      >
        <title id={id}>{label}</title>
        <rect x={L} y={T} width={W - L - R} height={H - B - T} fill="#f7f9fa" />
        {c && (
          <rect
            x={sx(c.startT)}
            y={T}
            width={Math.max(2, sx(c.endT) - sx(c.startT))}
            height={H - B - T}
            fill="#fff1cc"
          />
        )}
        {c &&
          [c.before, c.after].map((g, i) => (
            <g key={`lvl-${i === 0 ? "before" : "after"}`}>
              <line
                x1={L}
                x2={W - R}
                y1={sy(g)}
                y2={sy(g)}
                stroke="#7a4a00"
                strokeDasharray="4 4"
                strokeWidth={1}
              />
              <text
                x={L - 4}
                y={sy(g) + (c.after >= c.before === (i === 0) ? 12 : -2)}
                fontSize={11}
                textAnchor="end"
                fill="#1b1f24"
              >
                {Math.round(g)} g
              </text>
            </g>
          ))}
        {c && (
          <rect
            x={sx(c.endT)}
            y={sy(c.after + 2 * c.sd)}
            width={W - R - sx(c.endT)}
            height={Math.max(1, sy(c.after - 2 * c.sd) - sy(c.after + 2 * c.sd))}
            fill="#0b57d0"
            fillOpacity={0.12}
          />
        )}
        <polyline fill="none" stroke="#0b57d0" strokeWidth={2} points={path} />
        {(props.marks ?? []).map((m) => (
          <g key={`${m.t}-${m.label}`}>
            <line x1={sx(m.t)} x2={sx(m.t)} y1={T} y2={H - B} stroke="#a4161a" strokeWidth={1.5} />
            <text x={sx(m.t) + 3} y={T + 12} fontSize={11} fill="#a4161a">
              {m.label}
            </text>
          </g>
        ))}
        <text x={L} y={H - 6} fontSize={11} fill="#49515a">
          {new Date(tMin).toLocaleTimeString("en-GB")}
        </text>
        <text x={W - R} y={H - 6} fontSize={11} fill="#49515a" textAnchor="end">
          +{((tMax - tMin) / 1000).toFixed(1)} s
        </text>
      </svg>
      <figcaption className="muted">{label}</figcaption>
    </figure>
  );
}
