import { describe, expect, it } from "vitest";
import { IssueLog, parseLogLine } from "./log-reader";
import { parseTruthJsonl } from "./truth-file";

describe("parseLogLine", () => {
  it("accepts a valid line and reports what is wrong with bad ones", () => {
    const good = parseLogLine(
      '{"v":1,"t":5,"type":"weight","store":"s","cart":"c","grams":[1,2],"hz":20}',
      1,
    );
    expect(good.ok).toBe(true);
    expect(parseLogLine("   ", 2)).toEqual({ ok: "blank" });
    const cases: [string, string, RegExp][] = [
      ['{"v":1,"t":5,"type":"weight","store":"s","ca', "bad-json", /truncated/],
      ['{"v":2,"t":5,"type":"weight","store":"s","cart":"c","grams":1}', "unknown-version", /v=2/],
      ['{"v":1,"t":"soon","type":"weight","store":"s","cart":"c","grams":1}', "bad-event", /^t:/],
      ['{"v":1,"t":5,"type":"weight","store":"s","cart":"c","grams":[1,2]}', "bad-event", /hz/],
      ['{"v":1,"t":5,"type":"teleport","store":"s","cart":"c"}', "unknown-type", /teleport/],
      ["[1,2,3]", "bad-event", /object/],
    ];
    cases.forEach(([text, reason, detail], i) => {
      const r = parseLogLine(text, 10 + i);
      expect(r.ok).toBe(false);
      if (r.ok !== false) return;
      expect(r.issue.line).toBe(10 + i);
      expect(r.issue.reason).toBe(reason);
      expect(r.issue.detail).toMatch(detail);
    });
  });
});

describe("parseTruthJsonl", () => {
  it("keeps good lines, reports bad ones by line number, keeps the first of a repeated session", () => {
    const issues = new IssueLog();
    const text = [
      '{"session":"s1","items":[{"sku":"a","qty":1}],"weighed":[],"decidable":true}',
      '{"session":"s2","items":[{"sku":"a","qty":"two"}],"weighed":[]}',
      '{"session":"s3","items":[',
      "",
      '{"session":"s1","items":[],"weighed":[]}',
      '{"session":"s4","items":[]}',
    ].join("\n");
    const t = parseTruthJsonl(text, issues);
    expect(t.map((x) => x.session)).toEqual(["s1", "s4"]);
    expect(t[1].weighed).toEqual([]);
    expect(issues.examples.map((i) => [i.line, i.reason])).toEqual([
      [2, "bad-event"],
      [3, "bad-json"],
      [5, "bad-event"],
    ]);
    expect(issues.examples[0].detail).toMatch(/items\.0\.qty/);
    expect(issues.examples[2].detail).toMatch(/given twice/);
  });
});
