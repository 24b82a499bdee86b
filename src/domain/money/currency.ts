/**
 * Currencies the product knows how to show: ISO 4217 code, minor-unit exponent and a symbol.
 * Amounts stay integers everywhere; this is only for display and input checks.
 */
export interface CurrencyInfo {
  code: string;
  exponent: number;
  symbol: string;
}

const CURRENCIES: Record<string, CurrencyInfo> = {
  USD: { code: "USD", exponent: 2, symbol: "$" },
  GBP: { code: "GBP", exponent: 2, symbol: "£" },
  EUR: { code: "EUR", exponent: 2, symbol: "€" },
  AUD: { code: "AUD", exponent: 2, symbol: "A$" },
  CAD: { code: "CAD", exponent: 2, symbol: "C$" },
  NZD: { code: "NZD", exponent: 2, symbol: "NZ$" },
  CHF: { code: "CHF", exponent: 2, symbol: "CHF " },
  SEK: { code: "SEK", exponent: 2, symbol: "kr " },
  JPY: { code: "JPY", exponent: 0, symbol: "¥" },
};

export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code);
}

/** Known currency, or a generic two-decimal one shown with its code. */
export function currencyInfo(code: string): CurrencyInfo {
  return CURRENCIES[code] ?? { code, exponent: 2, symbol: `${code} ` };
}

/** 129, "USD" → "$1.29"; -50 → "-$0.50". */
export function formatMoney(amount: number, currency: string): string {
  const { exponent, symbol } = currencyInfo(currency);
  const neg = amount < 0;
  const abs = Math.abs(amount);
  const unit = 10 ** exponent;
  const major = Math.floor(abs / unit);
  const minor = exponent > 0 ? `.${String(abs % unit).padStart(exponent, "0")}` : "";
  return `${neg ? "-" : ""}${symbol}${major}${minor}`;
}

/** Basis points as a percentage for display: 825 → "8.25%", 2000 → "20%". */
export function formatBps(bps: number): string {
  const s = (bps / 100).toFixed(2).replace(/\.?0+$/, "");
  return `${s}%`;
}
