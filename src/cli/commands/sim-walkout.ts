/**
 * `skiplane sim-walkout`: simulate a walk-out store (several anonymous shoppers at once, shelf
 * weight plates, camera tracks) and write log.jsonl (§1), truth.jsonl (§2), catalog.json (§3),
 * layout.json and walkout-sim.json into --out; `skiplane eval DIR` then scores it (the layout
 * makes eval route the store events to the walk-out fusion).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { defaultDataDir } from "../../adapters/demo/data-dir";
import { formatIssue, parseCatalog } from "../../adapters/files/catalog-file";
import { formatJsonSyntaxError, parseJsonText } from "../../adapters/files/json-syntax";
import { loadLayoutFile } from "../../adapters/files/layout-file";
import { readAutocheckoutStore } from "../../adapters/importers/autocheckout";
import type { StoreLayout, TruthLine } from "../../domain/events/sensor-events";
import { walkoutLiveStart } from "../../sim/live/walkout-start";
import { BufferedWriter } from "../../sim/sim-files";
import { readWalkoutCredentials, runWalkoutLive } from "../../sim/walkout/walkout-live";
import { simulateWalkout } from "../../sim/walkout/walkout-sim";
import { requireFile, requireFolder } from "./cli-files";
import { progressBar } from "./progress";
import { intArg } from "./sim-eval-args";

export function register(program: Command): void {
  program
    .command("sim-walkout")
    .description(
      "Simulate a walk-out store (seeded): 2–4 shoppers at once picking and putting back on shelf weight " +
        "plates, with tracks; writes log.jsonl, truth.jsonl, catalog.json, layout.json into --out",
    )
    .option("--out <dir>", "output folder (required unless --live)")
    .option("--visits <n>", "shopper visits", intArg("--visits", 1, 1_000_000), 300)
    .option("--seed <n>", "random seed (same seed ⇒ identical files)", intArg("--seed", 0, 2 ** 32 - 1), 1)
    .option("--min-shoppers <n>", "fewest shoppers inside at once", intArg("--min-shoppers", 1, 50), 2)
    .option("--max-shoppers <n>", "most shoppers inside at once", intArg("--max-shoppers", 1, 50), 4)
    .option("--plate-hz <n>", "plate sample rate", intArg("--plate-hz", 1, 120), 10)
    .option(
      "--from <dir>",
      "store to stock: a folder with catalog.json + layout.json, or an AutoCheckout case (products.csv + plates/); " +
        "default: the AutoCheckout store in the shared data",
    )
    .option("--store <id>", "store id written on every line", "walkout-sim")
    .option(
      "--no-hand-recognition",
      "leave out what the cameras recognise in a hand (the track events' `held`, docs/walkout.md); every other line stays the same",
    )
    .option(
      "--hands-always",
      "report every shopper's hand at every track sample (idle, carrying, held out to another shopper), not only at shelves " +
        "and hand-overs (docs/walkout.md, fifth pass); needs hand recognition; not with --live",
      false,
    )
    .option(
      "--live",
      "drive a RUNNING store server's demo walk-out store as its gate, tracker and shelf controller over MQTT, in real time (--visits defaults to 6)",
      false,
    )
    .option("--url <url>", "with --live: the store server's MQTT broker", "mqtt://127.0.0.1:1884")
    .option(
      "--credentials <file>",
      "with --live: the server's demo walk-out credentials (store, devices and secrets)",
      ".data/demo-credentials-walkout.json",
    )
    .option(
      "--speed <x>",
      "with --live: time multiplier (1 = real time)",
      (v: string) => {
        const x = Number(v);
        if (!(x >= 0.1 && x <= 100)) throw new Error("--speed: a number from 0.1 to 100");
        return x;
      },
      1,
    )
    .action(
      async (
        opts: {
          live: boolean;
          url: string;
          credentials: string;
          speed: number;
          out: string;
          visits: number;
          seed: number;
          minShoppers: number;
          maxShoppers: number;
          plateHz: number;
          from?: string;
          store: string;
          handRecognition: boolean;
          handsAlways: boolean;
        },
        cmd: Command,
      ) => {
        if (!/^[A-Za-z0-9._:@-]{1,128}$/.test(opts.store))
          throw new Error("--store: letters, digits and . _ : @ - only");
        if (opts.minShoppers > opts.maxShoppers)
          throw new Error("--min-shoppers must not exceed --max-shoppers");
        const from = opts.from ?? join(defaultDataDir(), "autocheckout-cps-test-01");
        requireFolder(from, opts.from ? "--from folder" : "the AutoCheckout store in the shared data");
        let catalogJson: unknown;
        let layout: StoreLayout;
        if (existsSync(join(from, "layout.json"))) {
          const catalogPath = join(from, "catalog.json");
          requireFile(catalogPath, "catalog");
          const j = parseJsonText(readFileSync(catalogPath, "utf8"));
          if (!j.ok) throw new Error(`${catalogPath} is not valid JSON: ${formatJsonSyntaxError(j)}`);
          catalogJson = j.data;
          layout = loadLayoutFile(join(from, "layout.json"));
        } else {
          requireFile(
            join(from, "products.csv"),
            "AutoCheckout products (or a layout.json beside a catalog.json)",
          );
          const s = readAutocheckoutStore(from);
          catalogJson = s.catalog;
          layout = s.layout;
        }
        const parsed = parseCatalog(catalogJson);
        if (!parsed.ok)
          throw new Error(
            `invalid catalog (${existsSync(join(from, "layout.json")) ? join(from, "catalog.json") : join(from, "products.csv")}):\n${parsed.issues.map(formatIssue).join("\n")}`,
          );
        const catalog = parsed.catalog;
        if (opts.handsAlways && !opts.handRecognition)
          throw new Error("--hands-always needs hand recognition (drop --no-hand-recognition)");
        if (opts.handsAlways && opts.live) throw new Error("--hands-always: not with --live");
        if (opts.live)
          return runLive(
            opts,
            cmd.getOptionValueSource("visits") === "default" ? 6 : opts.visits,
            catalog,
            layout,
          );
        if (!opts.out) throw new Error("--out <dir> is required (or --live to drive a running server)");
        mkdirSync(opts.out, { recursive: true });
        writeFileSync(join(opts.out, "catalog.json"), `${JSON.stringify(catalogJson, null, 2)}\n`);
        writeFileSync(join(opts.out, "layout.json"), `${JSON.stringify(layout, null, 2)}\n`);
        const log = new BufferedWriter(join(opts.out, "log.jsonl"));
        const truths: TruthLine[] = [];
        const t0 = Date.now();
        const bar = progressBar("simulating", opts.visits, "visits");
        let s: ReturnType<typeof simulateWalkout>;
        try {
          s = simulateWalkout(
            {
              catalog,
              layout,
              visits: opts.visits,
              seed: opts.seed,
              store: opts.store,
              minShoppers: opts.minShoppers,
              maxShoppers: opts.maxShoppers,
              plateHz: opts.plateHz,
              ...(opts.handRecognition ? {} : { handRecognition: false as const }),
              ...(opts.handsAlways ? { handsAlways: true } : {}),
            },
            (e) => log.line(JSON.stringify(e)),
            (t) => {
              truths.push(t);
              bar.update(truths.length);
            },
          );
        } finally {
          bar.stop();
          log.close();
        }
        truths.sort((a, b) => (a.session < b.session ? -1 : a.session > b.session ? 1 : 0));
        writeFileSync(join(opts.out, "truth.jsonl"), truths.map((t) => JSON.stringify(t)).join("\n") + "\n");
        writeFileSync(
          join(opts.out, "walkout-sim.json"),
          `${JSON.stringify({ format: "skiplane-walkout-sim", version: 1, ...opts, from, summary: s }, null, 2)}\n`,
        );
        process.stdout.write(
          `simulated ${s.visits} visits (${opts.minShoppers}–${opts.maxShoppers} shoppers inside, up to ${s.maxInside}) ` +
            `over ${(s.storeSeconds / 60).toFixed(1)} store minutes: ${s.lines} lines; actions ${JSON.stringify(s.actions)} ` +
            `in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${opts.out}\n`,
        );
      },
    );
}

async function runLive(
  opts: {
    url: string;
    credentials: string;
    speed: number;
    seed: number;
    minShoppers: number;
    maxShoppers: number;
    plateHz: number;
  },
  visits: number,
  catalog: Parameters<typeof runWalkoutLive>[0]["catalog"],
  layout: StoreLayout,
): Promise<void> {
  const credentials = readWalkoutCredentials(opts.credentials);
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  let signals = 0;
  const onSignal = () => {
    // one Ctrl-C reaches the process twice when the terminal signals the whole group: count one
    signals++;
    if (signals > 1) process.exit(130);
    process.stderr.write("\nstopping: walking everyone out through the gate (Ctrl-C again to quit now)\n");
    stop();
  };
  process.once("SIGINT", onSignal);
  const names = (skus: { sku: string; qty: number }[]) =>
    skus.map((i) => `${i.qty} × ${catalog.bySku.get(i.sku)?.name ?? i.sku}`).join(", ") || "nothing";
  process.stdout.write(
    `driving ${visits} visits into ${credentials.store} at ${opts.url} (speed ×${opts.speed}); ` +
      `watch /ops/${credentials.store} (operator key ${credentials.apiKeys.operator})\n`,
  );
  const sim = {
    catalog,
    layout,
    visits,
    seed: opts.seed,
    minShoppers: opts.minShoppers,
    maxShoppers: opts.maxShoppers,
    plateHz: opts.plateHz,
  };
  // faster than real time: start in the past, so no device time is ahead of the clock
  const start = walkoutLiveStart({ ...sim, store: credentials.store }, opts.speed, Date.now());
  if (opts.speed > 1)
    process.stdout.write(
      `device times never run ahead of the clock: the visits start ${Math.round((Date.now() - start) / 60_000)} min in the past and play at ×${opts.speed} until now\n`,
    );
  const s = await runWalkoutLive({
    url: opts.url,
    credentials,
    ...sim,
    start,
    // session ids unique to this run (a second run's s-000001 would be the first run's)
    runTag: `w${Date.now().toString(36)}`,
    speed: opts.speed,
    stop: stopped,
    onGate(e, truth) {
      const at = new Date().toISOString().slice(11, 19);
      if (e.type === "gate.in") process.stdout.write(`${at}  in   ${e.shopper}  (${e.session})\n`);
      if (e.type === "gate.out")
        process.stdout.write(`${at}  out  ${e.shopper}${truth ? `  took ${names(truth.items)}` : ""}\n`);
    },
  });
  process.removeListener("SIGINT", onSignal);
  process.stdout.write(
    `${s.stopped ? "stopped" : "done"}: ${s.visits} visits simulated, ${s.events} events in ${s.messages} messages over ${s.seconds.toFixed(0)} s\n`,
  );
}
