import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createServerLogger, prettyLogs } from "./logger";
import { loadServerConfig } from "./server-config";

/** Logs one entry through the server's logger for this config and terminal, returns the text. */
function logged(env: Record<string, string>, isTTY: boolean): string {
  const config = loadServerConfig({ env });
  const destination = new PassThrough();
  let text = "";
  destination.on("data", (b) => (text += b));
  const log = createServerLogger(config.log, { base: { service: "skiplane" } }, { isTTY, destination });
  log.info({ store: "demo", port: 8080 }, "HTTP API listening");
  log.flush();
  return text;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's colour codes
const ANSI = /\u001b\[[0-9;]*m/;

describe("log.pretty / SKIPLANE_LOG_PRETTY", () => {
  it("unset: JSON lines when stdout is not a terminal", () => {
    const text = logged({}, false);
    const entry = JSON.parse(text.trim());
    expect(entry).toMatchObject({ level: 30, msg: "HTTP API listening", store: "demo", service: "skiplane" });
  });

  it("unset: pretty, coloured lines when stdout is a terminal", () => {
    const text = logged({}, true);
    expect(() => JSON.parse(text.trim())).toThrow();
    expect(text).toMatch(ANSI);
    const plain = text.replace(new RegExp(ANSI, "g"), "");
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: HTTP API listening\n/);
    expect(plain).toContain('store: "demo"');
    // said once by the banner, not on every line
    expect(plain).not.toContain("service");
  });

  it("false: JSON even on a terminal; true: pretty (without colours) even into a pipe", () => {
    expect(JSON.parse(logged({ SKIPLANE_LOG_PRETTY: "false" }, true).trim()).msg).toBe("HTTP API listening");
    const text = logged({ SKIPLANE_LOG_PRETTY: "1" }, false);
    expect(text).not.toMatch(ANSI);
    expect(text).toMatch(/INFO: HTTP API listening/);
  });

  it("the setting wins over the terminal", () => {
    expect(prettyLogs({}, true)).toBe(true);
    expect(prettyLogs({}, false)).toBe(false);
    expect(prettyLogs({ pretty: false }, true)).toBe(false);
    expect(prettyLogs({ pretty: true }, false)).toBe(true);
  });
});
