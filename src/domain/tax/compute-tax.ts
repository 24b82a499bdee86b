/**
 * Tax per rate band, then spread back over the lines.
 *
 * Rounding (docs/decisions/0003-tax-rounding.md): tax is computed once per rate band on the sum
 * of the band's lines (invoice-level, as US states and HMRC both allow), rounded half-up to the
 * minor unit, then split over the band's lines by largest remainder so every line carries its
 * share and the shares sum to the band's tax exactly.
 * - exclusive (sales tax): tax = net × rate
 * - inclusive (VAT/GST):   tax = gross × rate / (1 + rate), already inside the price
 */

import { formatBps } from "../money/currency";
import { divRound, prorate } from "../money/money";
import { DomainError } from "../shared/errors";
import type { TaxRate, TaxSettings } from "./tax-settings";

export interface TaxBand {
  /** band key: rate and label */
  key: string;
  label: string;
  rateBps: number;
  mark?: string;
  /** the tax classes in this band */
  classes: string[];
  /** amount the rate applies to: net (exclusive) or gross incl. tax (inclusive), after discounts */
  base: number;
  tax: number;
  included: boolean;
}

export interface TaxOutcome {
  bands: TaxBand[];
  /** per input line: band key and its share of that band's tax */
  perLine: {
    key: string;
    label: string;
    rateBps: number;
    mark?: string;
    amount: number;
    included: boolean;
  }[];
}

export function taxRateFor(settings: TaxSettings, taxClass: string): { cls: string; rate: TaxRate } {
  const rate = settings.classes[taxClass];
  if (rate) return { cls: taxClass, rate };
  const fb = settings.fallbackClass !== undefined ? settings.classes[settings.fallbackClass] : undefined;
  if (fb && settings.fallbackClass !== undefined) return { cls: settings.fallbackClass, rate: fb };
  throw new DomainError("UNKNOWN_TAX_CLASS", `no tax rate for tax class "${taxClass}"`, { taxClass });
}

export function computeTax(
  lines: readonly { taxClass: string; amount: number }[],
  settings: TaxSettings,
): TaxOutcome {
  const included = settings.mode === "inclusive";
  const bands = new Map<string, TaxBand & { members: number[] }>();
  const lineKeys = lines.map((l, i) => {
    const { cls, rate } = taxRateFor(settings, l.taxClass);
    const label = rate.label ?? `${settings.name} ${formatBps(rate.rateBps)}`;
    const key = `${rate.rateBps}|${label}`;
    let band = bands.get(key);
    if (!band) {
      band = {
        key,
        label,
        rateBps: rate.rateBps,
        mark: rate.mark,
        classes: [],
        base: 0,
        tax: 0,
        included,
        members: [],
      };
      bands.set(key, band);
    }
    if (!band.classes.includes(cls)) band.classes.push(cls);
    band.base += l.amount;
    band.members.push(i);
    return key;
  });
  const shares = new Map<number, number>();
  for (const band of bands.values()) {
    band.tax = included
      ? divRound(band.base * band.rateBps, 10_000 + band.rateBps)
      : divRound(band.base * band.rateBps, 10_000);
    const split = prorate(
      band.tax,
      band.members.map((i) => lines[i].amount),
    );
    band.members.forEach((i, k) => {
      shares.set(i, split[k]);
    });
  }
  const ordered = [...bands.values()].sort((a, b) => b.rateBps - a.rateBps || a.label.localeCompare(b.label));
  return {
    bands: ordered.map(({ members: _m, ...b }) => b),
    perLine: lineKeys.map((key, i) => {
      const b = bands.get(key)!;
      return { key, label: b.label, rateBps: b.rateBps, mark: b.mark, amount: shares.get(i) ?? 0, included };
    }),
  };
}
