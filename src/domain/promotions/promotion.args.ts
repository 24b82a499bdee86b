/**
 * Checks a stored promotion's `args` against its definition's declared argument types, so a
 * store configuration file fails at load time with the field named, never at the till.
 */
import type { ArgSpec, ArgsSpec } from "./promotion.types";

function checkOne(name: string, spec: ArgSpec, v: unknown): string[] {
  if (v === undefined) return spec.optional ? [] : [`${name}: required (${spec.doc})`];
  switch (spec.type) {
    case "int": {
      if (typeof v !== "number" || !Number.isInteger(v)) return [`${name}: expected an integer`];
      if (spec.min !== undefined && v < spec.min) return [`${name}: expected an integer ≥ ${spec.min}`];
      if (spec.max !== undefined && v > spec.max) return [`${name}: expected an integer ≤ ${spec.max}`];
      return [];
    }
    case "money":
      return typeof v === "number" && Number.isSafeInteger(v) && v >= 0
        ? []
        : [`${name}: expected an amount in minor units (integer ≥ 0)`];
    case "bps":
      return typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 10_000
        ? []
        : [`${name}: expected basis points, an integer from 0 to 10000`];
    case "string":
      return typeof v === "string" && v.length > 0 ? [] : [`${name}: expected a non-empty string`];
    case "strings":
      return Array.isArray(v) && v.every((s) => typeof s === "string" && s.length > 0)
        ? []
        : [`${name}: expected an array of non-empty strings`];
    case "slots": {
      if (!Array.isArray(v) || v.length < 2) return [`${name}: expected an array of at least 2 slots`];
      const errs: string[] = [];
      v.forEach((slot, i) => {
        const s = slot as { skus?: unknown; categories?: unknown } | null;
        if (typeof s !== "object" || s === null) {
          errs.push(`${name}[${i}]: expected an object with skus and/or categories`);
          return;
        }
        errs.push(...checkOne(`${name}[${i}].skus`, { type: "strings", optional: true, doc: "" }, s.skus));
        errs.push(
          ...checkOne(`${name}[${i}].categories`, { type: "strings", optional: true, doc: "" }, s.categories),
        );
        const n =
          (Array.isArray(s.skus) ? s.skus.length : 0) +
          (Array.isArray(s.categories) ? s.categories.length : 0);
        if (n === 0) errs.push(`${name}[${i}]: give at least one sku or category`);
      });
      return errs;
    }
  }
}

export function checkArgs(spec: ArgsSpec, args: Record<string, unknown>): string[] {
  const errs: string[] = [];
  for (const [name, s] of Object.entries(spec)) errs.push(...checkOne(name, s, args[name]));
  for (const name of Object.keys(args)) if (!(name in spec)) errs.push(`${name}: unknown argument`);
  return errs;
}
