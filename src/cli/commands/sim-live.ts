/**
 * `skiplane sim --live`: the options and the console side of the live driver (src/sim/live).
 * On a terminal every event gets a line and a status bar shows the running totals; otherwise
 * (a pipe, a log file) only sessions starting and settling are printed, plus the summary.
 * Ctrl-C: every shopper heads for the exit (their baskets are settled), the carts disconnect,
 * the summary is printed; a second Ctrl-C quits at once.
 */
import { resolve } from "node:path";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { loadDemoCatalog } from "../../adapters/demo/demo-catalog";
import { loadCatalogFile } from "../../adapters/files/catalog-file";
import {
  type CartCredential,
  clockLead,
  parseCartArg,
  readCredentials,
  runLive,
} from "../../sim/live/live-driver";
import { describeEvent, type LiveEvent, money } from "../../sim/live/live-events";
import { mixByName, type SimMix } from "../../sim/profile";
import { intArg, numArg } from "./sim-eval-args";

export const DEFAULT_LIVE_URL = "mqtt://127.0.0.1:1884";
export const DEFAULT_CREDENTIALS = ".data/demo-credentials.json";

/** Adds the --live options to the `sim` command. */
export function addLiveOptions(cmd: Command): Command {
  return cmd
    .option(
      "--live",
      "drive simulated carts into a RUNNING store server over MQTT, in real time (then --sessions defaults to until Ctrl-C, --seed to the clock)",
      false,
    )
    .option("--url <url>", "with --live: the store server's MQTT broker", DEFAULT_LIVE_URL)
    .option(
      "--credentials <file>",
      "with --live: the server's demo credentials (store, carts and secrets)",
      DEFAULT_CREDENTIALS,
    )
    .option(
      "--cart <id:secret>",
      "with --live: a cart to drive (repeat for more; instead of --credentials)",
      (v: string, acc: string[] = []) => [...acc, v],
    )
    .option("--speed <x>", "with --live: time multiplier (1 = real time)", numArg("--speed", 0.01, 1000), 1)
    .option(
      "--per-message <n>",
      "with --live: weight samples per MQTT message (20 Hz scale)",
      intArg("--per-message", 1, 100),
      5,
    )
    .option("--verbose", "with --live: a line for every event even when not on a terminal", false);
}

export interface LiveCliOptions {
  url: string;
  credentials: string;
  cart?: string[];
  speed: number;
  perMessage: number;
  verbose: boolean;
  /** undefined: until Ctrl-C */
  sessions?: number;
  /** undefined: the credentials file's store, else "demo" */
  store?: string;
  /** undefined: drawn from the clock and printed */
  seed?: number;
  mix: SimMix;
  catalog?: string;
}

function clock(): string {
  return new Date().toISOString().slice(11, 19);
}

export async function runLiveCommand(o: LiveCliOptions): Promise<void> {
  let store = o.store;
  let carts: CartCredential[];
  if (o.cart && o.cart.length > 0) {
    carts = o.cart.map(parseCartArg);
    store ??= "demo";
  } else {
    const file = resolve(o.credentials);
    const creds = readCredentials(file);
    carts = creds.carts;
    store ??= creds.store;
  }
  const seed = o.seed ?? Date.now() % 1_000_000;
  const catalog = o.catalog ? loadCatalogFile(o.catalog) : loadDemoCatalog();
  const tty = process.stderr.isTTY === true;
  const totals = { started: 0, paid: 0, review: 0, problem: 0, prompts: 0, answered: 0, items: 0 };
  const bar = tty
    ? new cliProgress.MultiBar(
        {
          format:
            " {bar} {value}/{total} sessions settled · paid {paid} · review {review} · problem {problem} · {items} items · prompts {answered}/{prompts} answered",
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          barsize: 20,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const progress = bar?.create(o.sessions ?? 0, 0, totals);
  const say = (line: string) => {
    if (bar) bar.log(`${line}\n`);
    else process.stdout.write(`${line}\n`);
  };
  const onEvent = (e: LiveEvent) => {
    if (e.kind === "started") totals.started++;
    if (e.kind === "item" && e.change === "added") totals.items++;
    if (e.kind === "prompt") {
      totals.prompts++;
      if (e.style !== "none") totals.answered++;
    }
    if (e.kind === "settled" && e.state !== "idle") totals[e.state]++;
    const quiet = !tty && !o.verbose && (e.kind === "item" || e.kind === "prompt" || e.kind === "connected");
    if (!quiet) say(`${clock()} ${describeEvent(e)}`);
    if (progress) {
      const settled = totals.paid + totals.review + totals.problem;
      if (o.sessions === undefined) progress.setTotal(Math.max(settled, totals.started));
      progress.update(settled, totals);
    }
  };

  const ac = new AbortController();
  let firstSignal = 0;
  const onSigint = () => {
    // one Ctrl-C can arrive twice (npx and tsx pass it on to the process group's members too):
    // only a second one a moment later means "quit now"
    if (firstSignal > 0) {
      if (Date.now() - firstSignal > 1000) process.exit(130);
      return;
    }
    firstSignal = Date.now();
    say(`${clock()} stopping: every shopper heads for the exit (Ctrl-C again to quit at once)`);
    ac.abort();
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);
  say(
    `skiplane sim --live: ${carts.length} cart${carts.length === 1 ? "" : "s"} of store ${store} → ${o.url}, ` +
      `${o.sessions ?? "endless"} session${o.sessions === 1 ? "" : "s"}, speed ×${o.speed}, ${o.mix.name} mix, seed ${seed}` +
      (o.sessions === undefined ? " (Ctrl-C to stop)" : ""),
  );
  const lead = clockLead(o.speed, carts.length, o.sessions);
  if (lead > 0)
    say(
      `  device times never run ahead of the clock: the carts' clocks start ${minutes(lead)} in the past and ` +
        `play at ×${o.speed} until they reach now (in about ${minutes(lead / (o.speed - 1))}), then in real time`,
    );
  try {
    const s = await runLive({
      url: o.url,
      store,
      carts,
      sessions: o.sessions,
      speed: o.speed,
      seed,
      mix: o.mix,
      catalog,
      perMessage: o.perMessage,
      onEvent,
      signal: ac.signal,
    });
    bar?.stop();
    const total = s.sessions.reduce((a, r) => a + (r.state === "paid" ? (r.total ?? 0) : 0), 0);
    const states = Object.entries(s.byState)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    const rejected = Object.entries(s.rejected)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    process.stdout.write(
      `${s.sessions.length} session${s.sessions.length === 1 ? "" : "s"} (${states || "none"}), ${money(total, catalog.currency)} paid; ` +
        `${s.prompts} prompt${s.prompts === 1 ? "" : "s"}, ${s.answered} answered; ${s.events} events in ${s.messages} messages in ${s.seconds.toFixed(1)} s` +
        (rejected ? `; refused by the server: ${rejected}` : "") +
        `\n`,
    );
  } finally {
    bar?.stop();
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  }
}

/** `sim --live`: the sim command's parsed options → the live run (defaults differ from offline). */
export function runLiveFromSim(
  opts: {
    url: string;
    credentials: string;
    cart?: string[];
    speed: number;
    perMessage: number;
    verbose: boolean;
    sessions: number;
    seed: number;
    mix: string;
    store: string;
    catalog?: string;
  },
  cmd: Command,
): Promise<void> {
  const given = (name: string) => {
    const src = cmd.getOptionValueSource(name);
    return src !== undefined && src !== "default";
  };
  const mix = mixByName(opts.mix);
  if (!mix) throw new Error(`--mix must be standard or hard, got ${opts.mix}`);
  for (const name of ["out", "answering", "carts", "threshold"])
    if (given(name))
      throw new Error(`--${name} is for offline simulation; --live drives the carts of a running server`);
  return runLiveCommand({
    url: opts.url,
    credentials: opts.credentials,
    cart: opts.cart,
    speed: opts.speed,
    perMessage: opts.perMessage,
    verbose: opts.verbose,
    sessions: given("sessions") ? opts.sessions : undefined,
    seed: given("seed") ? opts.seed : undefined,
    store: given("store") ? opts.store : undefined,
    mix,
    catalog: opts.catalog,
  });
}

/** "90 min", "2.5 h", "40 s": a lead or a duration in words. */
function minutes(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
