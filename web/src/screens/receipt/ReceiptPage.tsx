/**
 * The shopper's receipt (`/r/{token}`): every line with why the store believes it — the
 * evidence in plain words — and a button to dispute a line. A dispute goes to the same review
 * queue as the cart's own doubts; a refund, when granted, shows up here.
 */
import { useEffect, useRef, useState } from "react";
import { describeError } from "../../api/http";
import { disputeLine, fetchReceipt, fetchReceiptEvidence, type ReceiptEvidence } from "../../api/receipt";
import type { Evidence, Receipt, ReceiptLine } from "../../api/types";
import { ProductPicture } from "../../components/ProductPicture";
import { dateTime, grams, money } from "../../format";
import { evidenceInWords, skuAsName } from "./evidence-words";

export function ReceiptPage({ token }: { token: string }) {
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [evidence, setEvidence] = useState<ReceiptEvidence>({ lines: {} });
  const [error, setError] = useState<string | null>(null);
  const [disputing, setDisputing] = useState<ReceiptLine | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = () =>
    Promise.all([
      fetchReceipt(token),
      fetchReceiptEvidence(token).catch((): ReceiptEvidence => ({ lines: {} })),
    ])
      .then(([r, ev]) => {
        setReceipt(r);
        setEvidence(ev);
        setError(null);
      })
      .catch((e) => setError(describeError(e)));

  // biome-ignore lint/correctness/useExhaustiveDependencies: load once per token
  useEffect(() => {
    void load();
  }, [token]);

  if (error && !receipt) {
    return (
      <main className="receipt">
        <h1>Receipt</h1>
        <p className="alert" role="alert">
          {error.startsWith("Not Found") || error.includes("404") ? "This receipt link is not valid." : error}
        </p>
      </main>
    );
  }
  if (!receipt) {
    return (
      <main className="receipt" aria-busy="true">
        <p>Loading your receipt…</p>
      </main>
    );
  }
  const cur = receipt.currency;
  const nameBySku = new Map(receipt.lines.map((l) => [l.sku, l.name]));
  const nameOf = (sku: string) => nameBySku.get(sku) ?? skuAsName(sku);
  const openDisputes = receipt.lines.filter((l) => l.status === "disputed");
  const removed = (evidence.removed ?? []).filter((r) => r.by === "reviewer" || r.by === "shopper");

  return (
    <main className="receipt">
      <header className="card">
        <h1>Your receipt</h1>
        <p style={{ margin: 0 }}>
          Store {receipt.store} · {dateTime(receipt.issuedAt)}
        </p>
        <p className="muted" style={{ margin: 0 }}>
          Visit {receipt.session}
        </p>
      </header>

      {receipt.review && receipt.captured === 0 && (
        <p className="toast unsure" role="status">
          A colleague is checking an item. Your final charge will be {money(receipt.total, cur)} or less.
        </p>
      )}
      {notice && (
        <p className="toast ok" role="status" data-testid="receipt-notice">
          {notice}
        </p>
      )}
      {error && (
        <p className="alert" role="alert">
          {error}
        </p>
      )}

      <section className="card" aria-labelledby="lines-h">
        <h2 id="lines-h">What you bought</h2>
        {receipt.lines.length === 0 && <p className="muted">Nothing is charged on this receipt.</p>}
        <ul className="receipt-lines">
          {receipt.lines.map((l) => (
            <ReceiptRow
              key={l.lineId}
              line={l}
              details={evidence.lines[l.lineId]}
              checked={evidence.checked?.[l.lineId]}
              store={receipt.store}
              currency={cur}
              nameOf={nameOf}
              onDispute={() => setDisputing(l)}
            />
          ))}
        </ul>
      </section>

      {removed.length > 0 && (
        <section className="card" aria-labelledby="removed-h" data-testid="receipt-removed">
          <h2 id="removed-h">Taken off your bill</h2>
          <ul className="receipt-lines">
            {removed.map((r) => (
              <li key={r.lineId}>
                <div className="receipt-line-head">
                  <ProductPicture store={receipt.store} sku={r.sku} />
                  <div>
                    <strong style={{ textDecoration: "line-through" }}>{r.name}</strong>
                    <div className="muted">{r.grams !== undefined ? grams(r.grams) : `× ${r.qty ?? 1}`}</div>
                  </div>
                  <span className={`badge ${r.by === "reviewer" ? "ok" : "neutral"}`}>
                    {r.by === "reviewer" ? (receipt.refunded > 0 ? "Refunded" : "Removed") : "Removed"}
                  </span>
                </div>
                <p className="why" style={{ margin: 0 }}>
                  {r.by === "reviewer"
                    ? "A colleague checked it and took it off your bill."
                    : "You told the cart it was not from the store."}
                </p>
              </li>
            ))}
          </ul>
        </section>
      )}

      <section className="card" aria-labelledby="totals-h">
        <h2 id="totals-h" className="sr-only">
          Totals
        </h2>
        <div className="totals">
          <span>Subtotal</span>
          <span className="num">{money(receipt.subtotal, cur)}</span>
          {receipt.adjustments.map((a) => (
            <Adjustment key={`${a.kind}-${a.label}`} label={a.label} amount={a.amount} currency={cur} />
          ))}
          {receipt.taxes
            .filter((t) => t.amount !== 0)
            .map((t) => (
              <Adjustment
                key={`tax-${t.taxClass}`}
                label={`Tax (${t.taxClass}${t.rateBp !== undefined ? ` ${(t.rateBp / 100).toFixed(2)}%` : ""})`}
                amount={t.amount}
                currency={cur}
              />
            ))}
          <span className="grand">Total</span>
          <span className="num grand" data-testid="receipt-total">
            {money(receipt.total, cur)}
          </span>
          <span>Charged to your card</span>
          <span className="num">{money(receipt.captured, cur)}</span>
          {receipt.refunded > 0 && (
            <>
              <span>Refunded</span>
              <span
                className="num"
                data-testid="receipt-refunded"
                style={{ color: "var(--ok)", fontWeight: 700 }}
              >
                {money(receipt.refunded, cur)}
              </span>
            </>
          )}
        </div>
        {openDisputes.length > 0 && (
          <p className="muted" style={{ marginBottom: 0 }}>
            {openDisputes.length} line{openDisputes.length === 1 ? " is" : "s are"} being checked after your
            dispute.
          </p>
        )}
      </section>

      {disputing && (
        <DisputeDialog
          line={disputing}
          currency={cur}
          onClose={() => setDisputing(null)}
          onSubmit={async (reason) => {
            await disputeLine(token, disputing.lineId, reason);
            setDisputing(null);
            setNotice(`Thanks — we will check "${disputing.name}" and refund you if it is wrong.`);
            await load();
          }}
        />
      )}
    </main>
  );
}

function Adjustment(props: { label: string; amount: number; currency: string }) {
  return (
    <>
      <span>{props.label}</span>
      <span className="num">{money(props.amount, props.currency)}</span>
    </>
  );
}

const STATUS: Record<string, [string, string] | undefined> = {
  ok: undefined,
  unsure: ["Being checked", "unsure"],
  voided: ["Removed", "neutral"],
  disputed: ["Disputed — being checked", "unsure"],
  refunded: ["Refunded", "ok"],
};

function ReceiptRow(props: {
  line: ReceiptLine;
  details?: Evidence;
  checked?: { by: string; change: string }[];
  store: string;
  currency: string;
  nameOf: (sku: string) => string;
  onDispute: () => void;
}) {
  const { line: l, currency } = props;
  const words = props.details ? evidenceInWords(props.details, props.nameOf) : [];
  if (props.checked?.some((c) => c.by === "reviewer")) words.push("A colleague checked this item.");
  const status = STATUS[l.status];
  const canDispute = l.status === "ok" || l.status === "unsure";
  const qty =
    l.grams !== undefined
      ? `${grams(l.grams)}${l.pricePerKg ? ` at ${money(l.pricePerKg, currency)}/kg` : ""}`
      : `${l.qty ?? 1} × ${money(l.unitPrice ?? l.amount, currency)}`;
  return (
    <li data-line={l.lineId}>
      <div className="receipt-line-head">
        <ProductPicture store={props.store} sku={l.sku} />
        <div>
          <strong>{l.name}</strong>
          <div className="muted">{qty}</div>
          {status && <span className={`badge ${status[1]}`}>{status[0]}</span>}
        </div>
        <div className="num">
          <strong
            style={
              l.status === "voided" || l.status === "refunded"
                ? { textDecoration: "line-through" }
                : undefined
            }
          >
            {money(l.amount, currency)}
          </strong>
          {l.adjustments.map((a) => (
            <div key={`${a.kind}-${a.label}`} className="muted" style={{ fontSize: "0.85rem" }}>
              {a.label} {money(a.amount, currency)}
            </div>
          ))}
        </div>
      </div>
      <div className="why">
        {words.length > 0 ? (
          <ul className="evidence-list" aria-label={`Why ${l.name} is on your receipt`}>
            {words.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        ) : (
          <p style={{ margin: 0 }}>{l.evidence || "No details recorded."}</p>
        )}
        {words.length > 0 && l.evidence && (
          <details>
            <summary>How it was decided</summary>
            <p className="muted" style={{ margin: "0.3rem 0 0" }}>
              {l.evidence}
            </p>
          </details>
        )}
      </div>
      {canDispute && (
        <div>
          <button type="button" onClick={props.onDispute} aria-label={`Dispute ${l.name}`}>
            This is wrong
          </button>
        </div>
      )}
    </li>
  );
}

const REASONS = [
  ["not-taken", "I did not take this item"],
  ["wrong-item", "I took a different item"],
  ["wrong-quantity", "The quantity or weight is wrong"],
  ["wrong-price", "The price is wrong"],
  ["other", "Something else"],
] as const;

function DisputeDialog(props: {
  line: ReceiptLine;
  currency: string;
  onClose: () => void;
  onSubmit: (reason: string) => Promise<void>;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [kind, setKind] = useState<string>(REASONS[0][0]);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="dispute-h" onClose={props.onClose}>
      <form
        method="dialog"
        style={{ display: "grid", gap: "0.7rem" }}
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          try {
            const label = REASONS.find(([k]) => k === kind)?.[1] ?? kind;
            await props.onSubmit(text.trim() ? `${label}: ${text.trim()}` : label);
          } catch (err) {
            setError(describeError(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <h2 id="dispute-h">
          Dispute “{props.line.name}” ({money(props.line.amount, props.currency)})
        </h2>
        <fieldset style={{ border: 0, padding: 0, margin: 0, display: "grid", gap: "0.4rem" }}>
          <legend style={{ fontWeight: 600 }}>What is wrong?</legend>
          {REASONS.map(([k, label]) => (
            <label
              key={k}
              style={{ fontWeight: 400, display: "flex", gap: "0.5rem", alignItems: "center", minHeight: 44 }}
            >
              <input
                type="radio"
                name="reason"
                value={k}
                checked={kind === k}
                onChange={() => setKind(k)}
                style={{ minHeight: 0 }}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <label htmlFor="dispute-text">Anything else we should know? (optional)</label>
        <textarea
          id="dispute-text"
          rows={2}
          maxLength={500}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        {error && (
          <p className="alert" role="alert">
            {error}
          </p>
        )}
        <div className="row">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Send dispute
          </button>
        </div>
      </form>
    </dialog>
  );
}
