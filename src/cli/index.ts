/**
 * `skiplane`: the command-line tool. Each command lives in its own file under commands/ and
 * registers itself here; commands stay thin and call app/, eval/ and sim/.
 */
import { registerCommands } from "./commands";
import { SkiplaneCommand } from "./skiplane-command";

const program = new SkiplaneCommand();
program
  .name("skiplane")
  .description("Skiplane: checkout-free retail — smart carts and walk-out stores")
  .version("0.1.0")
  .showHelpAfterError();
registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(`skiplane: ${msg}\n`);
  process.exit(1);
});
