import type { Command } from "commander";
import { register as catalogCmd } from "./catalog";
import { register as dbCmd } from "./db";
import { register as evalCmd } from "./eval";
import { register as importCmd } from "./import";
import { register as priceCmd } from "./price";
import { register as replayCmd } from "./replay";
import { register as serveCmd } from "./serve";
import { register as simCmd } from "./sim";
import { register as simWalkoutCmd } from "./sim-walkout";

/** Every command module exports `register(program)`; add one line per command here. */
const modules: ((program: Command) => void)[] = [
  importCmd,
  simCmd,
  simWalkoutCmd,
  replayCmd,
  evalCmd,
  catalogCmd,
  priceCmd,
  serveCmd,
  dbCmd,
];

export function registerCommands(program: Command): void {
  for (const register of modules) register(program);
}
