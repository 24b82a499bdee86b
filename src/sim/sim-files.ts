/**
 * Writing a simulation to a directory: `log.jsonl` (§1), `truth.jsonl` (§2, plus `decidable`),
 * `catalog.json` (§3) and `sim.json` (how it was made — seed, mix and a mix file's overrides — so
 * `skiplane eval --answering` can run the same shoppers again with fusion in the loop). Output is buffered and byte-stable.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { catalogToJson } from "../adapters/files/catalog-file";
import type { Catalog } from "../domain/catalog/product";
import type { MixOverrides } from "./mix-file";
import { type SimOptions, type SimSummary, simulate, type TruthWithDecidable } from "./simulator";

export class BufferedWriter {
  private buf: string[] = [];
  private size = 0;
  private readonly fd: number;
  constructor(path: string) {
    this.fd = openSync(path, "w");
  }
  line(s: string): void {
    this.buf.push(s, "\n");
    this.size += s.length + 1;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.buf.length) writeSync(this.fd, this.buf.join(""));
    this.buf = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

export interface SimManifest {
  format: "skiplane-sim";
  version: 1;
  seed: number;
  sessions: number;
  carts: number;
  mix: string;
  /** `--mix-file`: the file named, and the overrides it made on top of `mix` (absent without one) */
  mixFile?: string;
  mixOverrides?: MixOverrides;
  answering: boolean;
  store: string;
  /** where the catalog came from (the catalog itself is catalog.json) */
  catalogSource: string;
  fusionConfig?: Record<string, unknown>;
}

export function truthSorted(truths: TruthWithDecidable[]): TruthWithDecidable[] {
  return [...truths].sort((a, b) => (a.session < b.session ? -1 : a.session > b.session ? 1 : 0));
}

/**
 * Simulates and writes the four files. `onSession` is told after each session is simulated
 * (sessions done, sessions asked for), for a progress bar; it changes nothing written.
 */
export function writeSimulation(
  dir: string,
  o: SimOptions,
  catalog: Catalog,
  manifest: Omit<SimManifest, "format" | "version">,
  onSession?: (done: number, total: number) => void,
): SimSummary {
  mkdirSync(dir, { recursive: true });
  const log = new BufferedWriter(join(dir, "log.jsonl"));
  const truths: TruthWithDecidable[] = [];
  let summary: SimSummary;
  try {
    summary = simulate(
      o,
      (e) => log.line(JSON.stringify(e)),
      (t) => {
        truths.push(t);
        onSession?.(truths.length, o.sessions);
      },
    );
  } finally {
    log.close();
  }
  const tw = new BufferedWriter(join(dir, "truth.jsonl"));
  for (const t of truthSorted(truths)) tw.line(JSON.stringify(t));
  tw.close();
  writeFileSync(join(dir, "catalog.json"), `${JSON.stringify(catalogToJson(catalog), null, 2)}\n`);
  const m: SimManifest = { format: "skiplane-sim", version: 1, ...manifest };
  writeFileSync(join(dir, "sim.json"), `${JSON.stringify(m, null, 2)}\n`);
  return summary;
}
