import type { Command } from "commander";

/** Every command module exports `register(program)`; add one line per command here. */
const modules: ((program: Command) => void)[] = [];

export function registerCommands(program: Command): void {
  for (const register of modules) register(program);
}
