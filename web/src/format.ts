/** Money is integer minor units with its currency beside it; the display divides once, here. */
const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string): Intl.NumberFormat {
  let f = formatters.get(currency);
  if (!f) {
    try {
      f = new Intl.NumberFormat("en-US", { style: "currency", currency });
    } catch {
      f = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    formatters.set(currency, f);
  }
  return f;
}

export function money(minor: number, currency: string): string {
  const f = formatter(currency);
  const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
  return f.format(minor / 10 ** digits);
}

export function grams(g: number): string {
  return g >= 1000 ? `${(g / 1000).toFixed(3)} kg` : `${Math.round(g)} g`;
}

export function percent(p: number): string {
  return `${Math.round(p * 100)}%`;
}

export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/**
 * A receipt's date and time with the month in words ("4 Dec 2026, 22:43"): a numeric date is read
 * day-first in one market and month-first in another (04/12/2026 is April 12 to a US shopper).
 */
export function dateTime(ms: number, timeZone?: string): string {
  return new Date(ms).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone });
}

/** "2 h 05 min", "4 min 05 s", "12 s", "−1 min 10 s" (late) */
export function duration(ms: number): string {
  const neg = ms < 0;
  const s = Math.round(Math.abs(ms) / 1000);
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const text =
    h > 0
      ? `${h} h ${String(m % 60).padStart(2, "0")} min`
      : m > 0
        ? `${m} min ${String(s % 60).padStart(2, "0")} s`
        : `${s} s`;
  return neg ? `−${text}` : text;
}
