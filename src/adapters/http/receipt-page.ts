/**
 * The printable receipt: a self-contained HTML page (no script, inline CSS), every value
 * escaped. Amounts are integer minor units, formatted with Intl for the receipt's currency.
 */
import type { ReceiptView } from "../../app/ports/read-models";

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );

function money(amount: number, currency: string): string {
  let digits = 2;
  try {
    digits =
      new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ??
      2;
    return new Intl.NumberFormat("en", { style: "currency", currency }).format(amount / 10 ** digits);
  } catch {
    return `${(amount / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

export function renderReceiptHtml(r: ReceiptView, storeName?: string): string {
  const m = (a: number) => esc(money(a, r.currency));
  const rows = r.lines
    .map((l) => {
      const qty = l.grams !== undefined ? `${(l.grams / 1000).toFixed(3)} kg` : `${l.qty ?? 1} ×`;
      const adj = l.adjustments
        .map((a) => `<tr class="adj"><td></td><td>${esc(a.label)}</td><td class="n">${m(a.amount)}</td></tr>`)
        .join("");
      const status = l.status === "ok" ? "" : ` <span class="st">(${esc(l.status)})</span>`;
      return `<tr><td>${esc(qty)}</td><td>${esc(l.name)}${status}<div class="ev">${esc(l.evidence)}</div></td><td class="n">${m(l.amount)}</td></tr>${adj}`;
    })
    .join("");
  const adjustments = r.adjustments
    .map((a) => `<tr><td></td><td>${esc(a.label)}</td><td class="n">${m(a.amount)}</td></tr>`)
    .join("");
  const taxes = r.taxes
    .map((t) => `<tr><td></td><td>Tax ${esc(t.taxClass)}</td><td class="n">${m(t.amount)}</td></tr>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Receipt ${esc(r.session)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;max-width:28rem;margin:1rem auto;padding:0 1rem}
table{width:100%;border-collapse:collapse}td{padding:.2rem .3rem;vertical-align:top}.n{text-align:right;white-space:nowrap}
.ev{color:#666;font-size:12px}.adj td{color:#555}.st{color:#a40}.tot td{border-top:1px solid #000;font-weight:700}
@media print{.ev{display:none}}</style></head><body>
<h1>${esc(storeName ?? r.store)}</h1>
<p>Receipt for session ${esc(r.session)}<br>${esc(new Date(r.issuedAt).toISOString())}${r.review ? "<br><strong>Checked by staff before the final charge.</strong>" : ""}</p>
<table>${rows}
<tr class="tot"><td></td><td>Subtotal</td><td class="n">${m(r.subtotal)}</td></tr>${adjustments}${taxes}
<tr class="tot"><td></td><td>Total</td><td class="n">${m(r.total)}</td></tr>
<tr><td></td><td>Charged</td><td class="n">${m(r.captured)}</td></tr>
${r.refunded ? `<tr><td></td><td>Refunded</td><td class="n">${m(r.refunded)}</td></tr>` : ""}
</table></body></html>`;
}
