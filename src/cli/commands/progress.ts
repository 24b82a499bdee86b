/**
 * A progress bar on stderr for long work, drawn only when stderr is a terminal: in a pipe, a log
 * file or CI nothing is written, so the command's output stays what it was.
 */
import { createReadStream } from "node:fs";
import cliProgress from "cli-progress";

export interface Progress {
  update(value: number): void;
  stop(): void;
}

const QUIET: Progress = { update() {}, stop() {} };

export function progressBar(
  label: string,
  total: number,
  unit: string,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (stream.isTTY !== true) return QUIET;
  const bar = new cliProgress.SingleBar(
    {
      format: ` ${label} {bar} {percentage}% · {value}/{total} ${unit} · {eta_formatted} left`,
      stream,
      hideCursor: true,
      clearOnComplete: true,
      barsize: 24,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (v) => bar.update(v),
    stop: () => bar.stop(),
  };
}

/** Lines in a file (newlines, plus a last line without one), for a bar's total. */
export async function countLines(path: string): Promise<number> {
  let n = 0;
  let last = 10;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let i = chunk.indexOf(10);
    while (i !== -1) {
      n++;
      i = chunk.indexOf(10, i + 1);
    }
    if (chunk.length) last = chunk[chunk.length - 1] as number;
  }
  return last === 10 ? n : n + 1;
}
