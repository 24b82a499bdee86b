/**
 * Ids are prefixed and sortable (`sess_…`, `line_…`, `rcpt_…`). The domain never makes them up:
 * an IdGenerator is injected. Tests use `sequentialIds()` so expected events are literal values.
 */
export type IdGenerator = (prefix: string) => string;

export function sequentialIds(): IdGenerator {
  const counters = new Map<string, number>();
  return (prefix) => {
    const n = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, n);
    return `${prefix}_${String(n).padStart(4, "0")}`;
  };
}
