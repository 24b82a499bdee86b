import { describe, expect, it } from "vitest";
import { formatJsonSyntaxError, jsonErrorOffset, lineColumnAt, parseJsonText } from "./json-syntax";

describe("jsonErrorOffset", () => {
  it("finds nothing wrong in JSON", () => {
    for (const s of ['{"a":[1,-2.5e+3,true,false,null,"x\\n\\u00e9"]}', " [] ", "0", '""', '{"a":{}}'])
      expect([s, jsonErrorOffset(s)]).toEqual([s, undefined]);
  });

  it("agrees with Node's JSON.parse where it names a position", () => {
    const cases = [
      "{bad",
      '{"a":1,}',
      "[1,2] x",
      '{"a":"b\nc"}',
      '{"a" 1}',
      "[01]",
      '["\\x"]',
      "[1,]",
      "tru",
    ];
    for (const s of cases) {
      let node: number | undefined;
      try {
        JSON.parse(s);
      } catch (e) {
        const m = /at position (\d+)/.exec((e as Error).message);
        node = m ? Number(m[1]) : undefined;
      }
      expect(jsonErrorOffset(s)).toBeDefined();
      if (node !== undefined) expect([s, jsonErrorOffset(s)]).toEqual([s, node]);
    }
  });

  it("puts a text that ends too soon at its end", () => {
    expect(jsonErrorOffset('{"a":')).toBe(5);
    expect(jsonErrorOffset("")).toBe(0);
    expect(jsonErrorOffset('["abc')).toBe(5);
  });
});

describe("lineColumnAt", () => {
  it("counts lines and columns from 1", () => {
    expect(lineColumnAt("ab\ncd\nef", 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumnAt("ab\ncd\nef", 4)).toEqual({ line: 2, column: 2 });
    expect(lineColumnAt("ab\ncd\nef", 6)).toEqual({ line: 3, column: 1 });
  });
});

describe("parseJsonText", () => {
  it("names the line and column where Node's message names none", () => {
    // Node 20: "Unexpected token 'x', ... is not valid JSON" (no position)
    const r = parseJsonText('{\n "a": 1,\n "b": x}');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([r.line, r.column]).toEqual([3, 7]);
    expect(formatJsonSyntaxError(r)).toBe("line 3, column 7: Unexpected token 'x'");
    const r2 = parseJsonText("{bad");
    // V8's wording differs between Node versions; its offset is left out, the place is ours
    expect(r2.ok ? "" : formatJsonSyntaxError(r2)).toMatch(/^line 1, column 2: [^\n]+$/);
    expect(r2.ok ? "" : formatJsonSyntaxError(r2)).not.toMatch(/position|\(line/);
  });

  it("returns the data of valid JSON", () => {
    expect(parseJsonText('{"a":[1]}')).toEqual({ ok: true, data: { a: [1] } });
  });
});
