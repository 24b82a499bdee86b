/**
 * The server's logger from `log.*` (docs/config.md): JSON lines, one object per line, for log
 * shippers — or, when a person reads them, pino-pretty's one line per entry (time, level,
 * message, the fields indented beneath). `log.pretty` unset: pretty when stdout is a terminal
 * (`npm start` in a shell), JSON when it is a pipe or a file (systemd, Docker, `| jq`).
 *
 * pino-pretty runs as a stream in the process, synchronously, not as a pino transport on a
 * worker thread: the server ends with process.exit() after "server stopped", and a worker's
 * last lines may not have been written by then. Formatting costs the event loop time, which
 * is why it is for terminals, not for a busy store's logs.
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";
import pretty from "pino-pretty";
import type { ServerConfig } from "./server-config";

/** Whether logs are pretty: as configured, else when stdout is a terminal. */
export function prettyLogs(log: Pick<ServerConfig["log"], "pretty">, stdoutIsTTY: boolean): boolean {
  return log.pretty ?? stdoutIsTTY;
}

export interface LoggerSink {
  /** is stdout a terminal (default: process.stdout.isTTY) */
  isTTY?: boolean;
  /** where the lines go (default: stdout, fd 1); tests pass a stream */
  destination?: NodeJS.WritableStream;
}

/** The server's pino logger for `log.level` and `log.pretty`. */
export function createServerLogger(
  log: ServerConfig["log"],
  options: Omit<LoggerOptions, "level"> = {},
  sink: LoggerSink = {},
): Logger {
  const isTTY = sink.isTTY ?? Boolean(process.stdout.isTTY);
  const opts: LoggerOptions = { ...options, level: log.level };
  if (!prettyLogs(log, isTTY)) {
    return sink.destination ? pino(opts, sink.destination as DestinationStream) : pino(opts);
  }
  const stream = pretty({
    destination: sink.destination ?? 1,
    sync: true,
    // colours only for a terminal: a pretty log written to a file stays plain text
    colorize: isTTY,
    translateTime: "SYS:HH:MM:ss.l",
    // the same on every line of one server: said once by the banner, not on each line
    ignore: "pid,hostname,service",
  });
  return pino(opts, stream);
}
