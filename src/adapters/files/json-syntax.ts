/**
 * Where a JSON text stops being JSON, as a line and a column, for messages a person can act on.
 * `JSON.parse` names an offset only for some errors, and in a wording that changes between Node
 * versions ("at position N" in Node 20; none for "Unexpected token 'x', "…" is not valid JSON" or
 * "Unexpected end of JSON input"), so the offset is found by a small scanner of the JSON grammar
 * (RFC 8259) instead; it is only run on a text `JSON.parse` has already refused.
 */

/** 1-based line and column of a character offset (a column counts UTF-16 code units). */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: end - start + 1 };
}

class Stop {
  constructor(readonly at: number) {}
}

/**
 * The offset of the first character that makes `text` not JSON (`text.length` when it ends too
 * soon), or undefined when it is JSON.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const expect = (s: string) => {
    for (let k = 0; k < s.length; k++, i++) if (text[i] !== s[k]) throw new Stop(i);
  };
  const digits = () => {
    const from = i;
    while (i < text.length && text[i] >= "0" && text[i] <= "9") i++;
    if (i === from) throw new Stop(i);
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) throw new Stop(i);
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 32) throw new Stop(i);
      if (c === 92) {
        const e = text[i + 1];
        if (e === undefined) throw new Stop(i + 1);
        if (e === "u") {
          for (let k = 2; k < 6; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? "")) throw new Stop(i + k);
          i += 6;
        } else if ('"\\/bfnrt'.includes(e)) i += 2;
        else throw new Stop(i + 1);
      } else i++;
    }
  };
  const number = () => {
    if (text[i] === "-") i++;
    if (text[i] === "0") i++;
    else digits();
    if (text[i] === ".") {
      i++;
      digits();
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      digits();
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new Stop(i);
        string();
        ws();
        expect(":");
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return;
        } else throw new Stop(i);
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return;
        } else throw new Stop(i);
      }
    }
    if (c === '"') string();
    else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) number();
    else if (c === "t") expect("true");
    else if (c === "f") expect("false");
    else if (c === "n") expect("null");
    else throw new Stop(i);
  };
  try {
    value();
    ws();
    return i < text.length ? i : undefined;
  } catch (e) {
    if (e instanceof Stop) return Math.min(e.at, text.length);
    throw e;
  }
}

/** Why a text is not JSON, and where when that can be told. */
export interface JsonSyntaxError {
  /** `JSON.parse`'s own message */
  reason: string;
  line?: number;
  column?: number;
}

/**
 * `line 3, column 7: Unexpected token '}'` (or the reason alone when the place is unknown). With
 * the place given, V8's own way of pointing (an offset, or the text quoted, newlines and all) is
 * left out.
 */
export function formatJsonSyntaxError(e: JsonSyntaxError): string {
  if (e.line === undefined) return e.reason;
  const reason = e.reason
    .replace(/, (\.\.\.)?".*" is not valid JSON$/s, "")
    .replace(/ in JSON at position \d+.*$/s, "");
  return `line ${e.line}, column ${e.column}: ${reason}`;
}

/**
 * Parses JSON, or says where and why it is not. The scanner recurses, so a pathologically deep
 * text gets the reason without a place rather than a stack overflow.
 */
export function parseJsonText(text: string): { ok: true; data: unknown } | ({ ok: false } & JsonSyntaxError) {
  try {
    return { ok: true, data: JSON.parse(text) };
  } catch (err) {
    const reason = (err as Error).message;
    let at: number | undefined;
    try {
      at = jsonErrorOffset(text);
    } catch {
      at = undefined;
    }
    if (at === undefined) {
      const m = /at position (\d+)/.exec(reason);
      at = m ? Number(m[1]) : undefined;
    }
    return at === undefined ? { ok: false, reason } : { ok: false, reason, ...lineColumnAt(text, at) };
  }
}
