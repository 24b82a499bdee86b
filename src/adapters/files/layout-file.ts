/**
 * The walk-out store layout (`layout.json`, exchange-v1 §1): plate positions in metres and the
 * skus each plate holds. Validated with zod at the edge; a bad file is a list of issues, never a
 * crash. Duplicate plates are refused (one position per plate).
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { StoreLayout } from "../../domain/events/sensor-events";

const finite = z.number().finite();
const plateSchema = z.object({
  gondola: z.number().int().min(0).max(100_000),
  shelf: z.number().int().min(0).max(100_000),
  plate: z.number().int().min(0).max(100_000),
  x: finite,
  y: finite,
  z: finite,
  skus: z.array(z.string().min(1).max(200)).max(1000),
});
export const layoutSchema = z.object({ plates: z.array(plateSchema).max(1_000_000) });

export type LayoutParseResult = { ok: true; layout: StoreLayout } | { ok: false; issues: string[] };

export function parseLayout(data: unknown): LayoutParseResult {
  const r = layoutSchema.safeParse(data);
  if (!r.success) {
    return {
      ok: false,
      issues: r.error.issues.slice(0, 20).map((i) => `${i.path.join(".") || "(layout)"}: ${i.message}`),
    };
  }
  const seen = new Set<string>();
  const issues: string[] = [];
  for (const [i, p] of r.data.plates.entries()) {
    const k = `${p.gondola}/${p.shelf}/${p.plate}`;
    if (seen.has(k)) issues.push(`plates.${i}: plate ${k} appears twice`);
    seen.add(k);
  }
  return issues.length ? { ok: false, issues } : { ok: true, layout: r.data };
}

export function readLayoutFile(path: string): LayoutParseResult {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    return { ok: false, issues: [`${path}: ${err instanceof Error ? err.message : String(err)}`] };
  }
  return parseLayout(data);
}

export function loadLayoutFile(path: string): StoreLayout {
  const r = readLayoutFile(path);
  if (!r.ok) throw new Error(`invalid layout ${path}:\n${r.issues.join("\n")}`);
  return r.layout;
}
