/**
 * The one error family for broken invariants. Expected outcomes (a declined card, an ambiguous
 * weight change) are values or events, never exceptions; a DomainError means a caller broke a
 * rule. `code` is stable: the HTTP layer maps codes to statuses in one table.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

/** Exhaustiveness guard for `switch` over discriminated unions. */
export function assertNever(x: never, what = "value"): never {
  throw new DomainError("UNREACHABLE", `unexpected ${what}: ${JSON.stringify(x)}`);
}
