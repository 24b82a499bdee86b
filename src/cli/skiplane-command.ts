/**
 * commander's `Command`, with one change: a mistyped option is reported before a missing
 * required one. commander checks required options first, so `skiplane replay log.jsonl --catlog x`
 * said "required option '--catalog <file>' not specified" — true, but the user did type it, only
 * misspelt; what helps is "unknown option '--catlog' (Did you mean --catalog?)".
 *
 * commander 14 runs `_checkForMissingMandatoryOptions()` in `_parseCommand` right after
 * `parseOptions()` and before its own unknown-option check; this subclass remembers what
 * `parseOptions()` left unknown and reports it from that first check. Every subcommand made with
 * `.command()` is one of these (`createCommand`). Guarded by test/cli/unknown-option.e2e.test.ts.
 */
import { Command, type ParseOptionsResult } from "commander";

interface CommanderInternals {
  _actionHandler?: unknown;
  unknownOption(flag: string): never;
}

export class SkiplaneCommand extends Command {
  private lastUnknown: string[] = [];

  override createCommand(name?: string): Command {
    return new SkiplaneCommand(name);
  }

  override parseOptions(argv: string[]): ParseOptionsResult {
    const r = super.parseOptions(argv);
    this.lastUnknown = r.unknown;
    return r;
  }

  /** commander's own check, after ours: an unknown option of the command about to run comes first. */
  _checkForMissingMandatoryOptions(): void {
    const self = this as unknown as CommanderInternals;
    // only the command that runs (an action); a parent's unknown tokens belong to its subcommand
    const first = this.lastUnknown[0];
    if (self._actionHandler && first?.startsWith("-")) self.unknownOption(first); // no-op when unknown options are allowed
    const base = Command.prototype as unknown as { _checkForMissingMandatoryOptions(): void };
    base._checkForMissingMandatoryOptions.call(this);
  }
}
