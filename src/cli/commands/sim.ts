/**
 * `skiplane sim`: simulate a smart-cart store and write log.jsonl, truth.jsonl, catalog.json and
 * sim.json into --out. With --answering, shoppers answer the prompts fusion raises (fusion runs
 * in the loop), so the log holds their `answer` lines.
 */
import type { Command } from "commander";
import { loadDemoCatalog } from "../../adapters/demo/demo-catalog";
import { loadCatalogFile } from "../../adapters/files/catalog-file";
import { DEFAULT_STORE_SETTINGS } from "../../domain/store/store-settings";
import { Replayer } from "../../eval/replay";
import { type MixOverrides, readMixFile } from "../../sim/mix-file";
import { mixByName } from "../../sim/profile";
import { writeSimulation } from "../../sim/sim-files";
import { DEFAULT_SIM_STORE } from "../../sim/simulator";
import { progressBar } from "./progress";
import { intArg, numArg } from "./sim-eval-args";
import { addLiveOptions, runLiveFromSim } from "./sim-live";

export function register(program: Command): void {
  addLiveOptions(program.command("sim"))
    .description(
      "Simulate shoppers with smart carts (seeded, deterministic): writes log.jsonl (§1), truth.jsonl (§2, " +
        "with `decidable` and `undecidableStops`), catalog.json (§3) and sim.json into --out. With --live: drive simulated carts into a " +
        "RUNNING store server over MQTT in real time (docs/simulator.md, Live)",
    )
    .option("--out <dir>", "output folder (required unless --live)")
    .option("--sessions <n>", "shopping sessions", intArg("--sessions", 1, 10_000_000), 1000)
    .option(
      "--seed <n>",
      "random seed (same seed ⇒ byte-identical files)",
      intArg("--seed", 0, 2 ** 32 - 1),
      1,
    )
    .option("--mix <name>", "sensor and shopper mix: standard | hard", "standard")
    .option(
      "--mix-file <file>",
      "JSON of overrides on top of --mix: any sensors/shoppers field of src/sim/profile.ts (docs/simulator.md)",
    )
    .option(
      "--carts <n>",
      "carts in the store (sessions are dealt round-robin)",
      intArg("--carts", 1, 10_000),
      20,
    )
    .option("--answering", "shoppers answer prompts (runs fusion in the loop)", false)
    .option(
      "--threshold <x>",
      "fusion accept threshold used in the loop (with --answering)",
      numArg("--threshold", 0, 1),
    )
    .option(
      "--catalog <file>",
      "catalog.json to simulate (default: the demo catalog built from the real data)",
    )
    .option("--store <id>", "store id written on every line", DEFAULT_SIM_STORE)
    .action(
      async (
        opts: {
          out?: string;
          sessions: number;
          seed: number;
          mix: string;
          mixFile?: string;
          carts: number;
          answering: boolean;
          threshold?: number;
          catalog?: string;
          store: string;
          live: boolean;
          url: string;
          credentials: string;
          cart?: string[];
          speed: number;
          perMessage: number;
          verbose: boolean;
        },
        cmd: Command,
      ) => {
        if (opts.live) {
          if (opts.mixFile) throw new Error("--mix-file is for simulating to files, not with --live");
          await runLiveFromSim(opts, cmd);
          return;
        }
        if (!opts.out) throw new Error("--out <dir> is required (or --live to drive a running server)");
        const base = mixByName(opts.mix);
        if (!base) throw new Error(`--mix must be standard or hard, got ${opts.mix}`);
        let mix = base;
        let overrides: MixOverrides | undefined;
        if (opts.mixFile) ({ mix, overrides } = readMixFile(opts.mixFile, base));
        if (!/^[A-Za-z0-9._:@-]{1,128}$/.test(opts.store))
          throw new Error("--store: letters, digits and . _ : @ - only");
        const catalog = opts.catalog ? loadCatalogFile(opts.catalog) : loadDemoCatalog();
        const fusionConfig = opts.threshold !== undefined ? { acceptThreshold: opts.threshold } : undefined;
        const replayer = opts.answering
          ? new Replayer({
              catalog,
              settings: { ...DEFAULT_STORE_SETTINGS, currency: catalog.currency },
              fusionConfig,
              timing: false,
            })
          : undefined;
        const t0 = Date.now();
        const bar = progressBar("simulating", opts.sessions, "sessions");
        let s: ReturnType<typeof writeSimulation>;
        try {
          s = writeSimulation(
            opts.out,
            {
              catalog,
              mix,
              sessions: opts.sessions,
              seed: opts.seed,
              carts: opts.carts,
              store: opts.store,
              answering: opts.answering,
              sink: replayer ? (e) => replayer.ingest(e) : undefined,
            },
            catalog,
            {
              seed: opts.seed,
              sessions: opts.sessions,
              carts: opts.carts,
              mix: mix.name,
              ...(overrides ? { mixFile: opts.mixFile, mixOverrides: overrides } : {}),
              answering: opts.answering,
              store: opts.store,
              catalogSource: opts.catalog ?? "demo (loadDemoCatalog)",
              ...(fusionConfig ? { fusionConfig } : {}),
            },
            (done) => bar.update(done),
          );
        } finally {
          bar.stop();
        }
        const secs = (Date.now() - t0) / 1000;
        process.stdout.write(
          `simulated ${s.sessions} sessions on ${s.carts} carts (${mix.name} mix${opts.mixFile ? ` + ${opts.mixFile}` : ""}, seed ${opts.seed}): ${s.lines} lines, ` +
            `${s.decidable} decidable without a human (${((100 * s.decidable) / Math.max(1, s.sessions)).toFixed(1)} %)` +
            (opts.answering ? `, ${s.prompts} prompts seen, ${s.answered} answered` : "") +
            ` in ${secs.toFixed(1)} s (${Math.round((60 * s.sessions) / Math.max(secs, 0.001))} sessions/min) → ${opts.out}\n`,
        );
        const reasons = Object.entries(s.undecidableReasons).sort((a, b) => b[1] - a[1]);
        if (reasons.length) {
          process.stdout.write(`undecidable stops: ${reasons.map(([k, v]) => `${k} ${v}`).join("; ")}\n`);
        }
      },
    );
}
