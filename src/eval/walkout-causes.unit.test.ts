import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { HELP, parseCausesArgs } from "./walkout-causes";

describe("walkout-causes command line", () => {
  it("--help (or -h) asks for the help text, which lists every flag", () => {
    expect(parseCausesArgs(["--help"])).toBe("help");
    expect(parseCausesArgs(["-h"])).toBe("help");
    for (const flag of [
      "--seed",
      "--visits",
      "--data",
      "--list",
      "--why",
      "--no-hand-recognition",
      "--hands-always",
      "--any-close-meetings",
      "--round-trips",
    ])
      expect(HELP).toContain(flag);
  });

  it("an unknown flag is an error, not a run of seed 7", () => {
    expect(() => parseCausesArgs(["--hands-alway"])).toThrow(/Unknown option '--hands-alway'/);
    expect(() => parseCausesArgs(["9"])).toThrow();
  });

  it("a bad number is an error", () => {
    expect(() => parseCausesArgs(["--seed", "one"])).toThrow(/--seed/);
    expect(() => parseCausesArgs(["--visits", "0"])).toThrow(/--visits/);
  });

  it("reads the flags", () => {
    expect(
      parseCausesArgs(["--seed", "9", "--visits", "30", "--data", "d", "--hands-always", "--why"]),
    ).toEqual({
      seed: 9,
      visits: 30,
      dataDir: resolve("d"),
      handRecognition: true,
      handsAlways: true,
      anyCloseMeetings: false,
      roundTrips: false,
      list: true,
      why: true,
    });
    const a = parseCausesArgs(["--no-hand-recognition", "--any-close-meetings"]);
    expect(a !== "help" && [a.seed, a.visits, a.handRecognition, a.anyCloseMeetings]).toEqual([
      7,
      300,
      false,
      true,
    ]);
    expect(() => parseCausesArgs(["--any-close-meetings", "--held-out-meetings"])).toThrow(/contradict/);
  });
});
