/**
 * A priced receipt as plain text, the way a till prints it: one line per product with its
 * quantity and price, its promotions indented below, then subtotal, savings, tax per rate and
 * the total. Used by the CLI; pure, so the server and tests can use it too.
 */
import { formatMoney } from "../money/currency";
import type { PricedReceipt } from "./receipt.types";

export interface ReceiptTextOptions {
  title?: string;
  session?: string;
  width?: number;
}

function row(left: string, right: string, width: number): string {
  const room = width - right.length - 1;
  const l = left.length > room ? `${left.slice(0, Math.max(0, room - 1))}…` : left;
  return `${l.padEnd(room)} ${right}`;
}

function kg(grams: number): string {
  return `${(grams / 1000).toFixed(3)} kg`;
}

export function formatReceiptText(r: PricedReceipt, opts: ReceiptTextOptions = {}): string {
  const width = opts.width ?? 56;
  const m = (n: number) => formatMoney(n, r.currency);
  const rule = "-".repeat(width);
  const out: string[] = [];
  if (opts.title) out.push(opts.title);
  if (opts.session) out.push(`Session ${opts.session}`);
  out.push(rule);
  for (const l of r.lines) {
    const mark = l.taxMark ? ` ${l.taxMark.padEnd(1)}` : "  ";
    const qty =
      l.grams !== undefined
        ? `${kg(l.grams)} @ ${m(l.pricePerKg ?? 0)}/kg`
        : (l.qty ?? 0) > 1
          ? `${l.qty} @ ${m(l.unitPrice ?? 0)}`
          : "";
    out.push(row(qty ? `${l.name}  ${qty}` : l.name, `${m(l.amount)}${mark}`, width));
    for (const a of l.adjustments) {
      if (a.type === "promotion" && a.amount !== 0) out.push(row(`  ${a.label}`, `${m(a.amount)}  `, width));
    }
  }
  if (r.lines.length === 0) out.push("(empty basket)");
  out.push(rule);
  out.push(row("Subtotal", `${m(r.subtotal)}  `, width));
  if (r.discountTotal > 0) out.push(row("Savings", `${m(-r.discountTotal)}  `, width));
  const added = r.taxes.filter((t) => !t.included);
  const included = r.taxes.filter((t) => t.included);
  for (const t of added)
    out.push(row(`${t.mark ? `${t.mark} ` : ""}${t.label} on ${m(t.base)}`, `${m(t.amount)}  `, width));
  out.push(row("TOTAL", `${m(r.total)}  `, width));
  if (included.length > 0) {
    out.push(rule);
    for (const t of included) {
      out.push(
        row(`${t.mark ? `${t.mark} ` : ""}${t.label} included in ${m(t.base)}`, `${m(t.amount)}  `, width),
      );
    }
  }
  for (const p of r.promotions)
    out.push(`  saved ${m(p.amount)} with "${p.label}"${p.times > 1 ? ` ×${p.times}` : ""}`);
  return `${out.join("\n")}\n`;
}
