/** Time comes in through this port so use cases and tests can pin it. */
export interface Clock {
  /** ms since the Unix epoch */
  now(): number;
}
