/**
 * The review console: the queue of uncertain events and disputes, oldest first with the time
 * left before each is late, and for the selected case all the evidence a person needs — the
 * weight trace, the camera's candidates with pictures, scans and answers, the basket before and
 * after — and ONE decision: confirm (c), correct (x; digits pick a candidate) or void (v).
 * The server applies the decision to basket, receipt and payment (refunds included).
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, describeError } from "../../api/http";
import { useLive, usePoll } from "../../api/live";
import { type DecisionBody, staffApi } from "../../api/staff";
import type { Evidence, ProductInfo, ReviewCase, ReviewContext } from "../../api/types";
import { storeKind } from "../../api/walkout";
import { WeightTrace } from "../../components/Charts";
import { ProductPicture } from "../../components/ProductPicture";
import { SignIn, TopBar, useStaffKey } from "../../components/Staff";
import { clock, duration, grams, percent } from "../../format";
import { type CaseAction, caseActions, correctionFor } from "./case-actions";
import { evidenceSource, loadCaseDetail, shownEvidence, walkoutFacts } from "./case-detail";
import { caseSubject } from "./case-subject";

/** Time targets when the server gives none: an uncertain event holds a shopper's charge. */
export const DEFAULT_SLA_MS = { uncertain: 5 * 60_000, dispute: 4 * 60 * 60_000 } as const;

export function dueAt(c: ReviewCase): number {
  return c.openedAt + DEFAULT_SLA_MS[c.kind];
}

export function ReviewConsole({ store, initialCase }: { store: string; initialCase?: string }) {
  const [key, setKey] = useStaffKey(store);
  const [authError, setAuthError] = useState<string | null>(null);
  if (!key) return <SignIn title="Review console" store={store} onKey={setKey} error={authError} />;
  return (
    <Console
      store={store}
      apiKey={key}
      initialCase={initialCase}
      onSignOut={(reason) => {
        setAuthError(reason ?? null);
        setKey(null);
      }}
    />
  );
}

function Console(props: {
  store: string;
  apiKey: string;
  initialCase?: string;
  onSignOut: (r?: string) => void;
}) {
  const api = useMemo(() => staffApi(props.store, props.apiKey), [props.store, props.apiKey]);
  const [queue, setQueue] = useState<ReviewCase[] | null>(null);
  const [selectedId, setSelectedId] = useState<string | undefined>(props.initialCase);
  const [detail, setDetail] = useState<{ c: ReviewCase; ctx: ReviewContext | null } | null>(null);
  const [products, setProducts] = useState<ProductInfo[]>([]);
  const queueNames = useMemo(() => new Map(products.map((p) => [p.sku, p.name])), [products]);
  const queueNameOf = (sku: string) => queueNames.get(sku) ?? sku;
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());
  const [tick, setTick] = useState(0);

  const fail = useCallback(
    (e: unknown) => {
      if (e instanceof ApiError && e.status === 401) props.onSignOut(describeError(e));
      else setError(describeError(e));
    },
    [props.onSignOut],
  );

  const loadQueue = () =>
    api
      .queue()
      .then((q) => {
        const sorted = [...q].sort((a, b) => a.openedAt - b.openedAt);
        setQueue(sorted);
        setError(null);
        setSelectedId((cur) => (cur && sorted.some((c) => c.caseId === cur) ? cur : sorted[0]?.caseId));
      })
      .catch(fail);

  const connected = useLive({
    auth: { type: "auth", key: props.apiKey },
    subscribe: [{ type: "subscribe", store: props.store }],
    // only review and session changes matter here, not every screen update of every cart
    onMessage: (m) => {
      if ((m as { type?: string }).type === "store") setTick((t) => t + 1);
    },
    onUnauthorized: () => props.onSignOut("Your key was not accepted. Sign in again."),
  });
  usePoll(loadQueue, 10_000, [api, tick]);

  useEffect(() => {
    api
      .products()
      .then(setProducts)
      .catch(() => setProducts([]));
  }, [api]);

  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);

  // the store's kind, once: a walk-out store's cases show the shelf's weight (case-detail.ts)
  const [kind, setKind] = useState<"walkout" | "carts" | null>(null);
  useEffect(() => {
    let live = true;
    storeKind(props.store, props.apiKey).then(
      (k) => live && setKind(k),
      () => live && setKind("carts"),
    );
    return () => {
      live = false;
    };
  }, [props.store, props.apiKey]);

  useEffect(() => {
    if (!selectedId) {
      setDetail(null);
      return;
    }
    if (kind === null) return;
    let stale = false;
    // a walk-out case: the shelf's weight where a cart case has the cart's scale
    loadCaseDetail(api, props.store, props.apiKey, selectedId, kind)
      .then((d) => !stale && setDetail(d))
      .catch((e) => !stale && fail(e));
    return () => {
      stale = true;
    };
  }, [api, selectedId, kind, fail, props.store, props.apiKey]);

  // j / k move through the queue
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey || !queue?.length) return;
      const i = queue.findIndex((c) => c.caseId === selectedId);
      if (e.key === "j") setSelectedId(queue[Math.min(queue.length - 1, i + 1)]?.caseId);
      else if (e.key === "k") setSelectedId(queue[Math.max(0, i - 1)]?.caseId);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [queue, selectedId]);

  const decided = (caseId: string, text: string) => {
    setNotice(text);
    setQueue((q) => q?.filter((c) => c.caseId !== caseId) ?? null);
    setSelectedId((cur) => {
      if (cur !== caseId) return cur;
      const rest = queue?.filter((c) => c.caseId !== caseId) ?? [];
      return rest[0]?.caseId;
    });
    void loadQueue();
  };

  return (
    <div className="staff">
      <TopBar
        title="Review console"
        store={props.store}
        connected={connected}
        onSignOut={() => props.onSignOut()}
      >
        <a
          href={api.exportUrl()}
          download
          onClick={(e) => downloadWithKey(e, api.exportUrl(), props.apiKey, fail)}
        >
          Export decisions (JSONL)
        </a>
      </TopBar>
      <div className="review-layout">
        <nav aria-labelledby="queue-h" className="card">
          <h2 id="queue-h">
            Queue <span className="muted">({queue?.length ?? "…"})</span>
          </h2>
          <p className="muted" style={{ fontSize: "0.85rem" }}>
            Oldest first. <kbd>j</kbd>/<kbd>k</kbd> next/previous.
          </p>
          {queue && queue.length === 0 && <p data-testid="queue-empty">Nothing to review.</p>}
          <ul className="queue" data-testid="queue">
            {queue?.map((c) => {
              const left = dueAt(c) - now;
              return (
                <li key={c.caseId}>
                  <button
                    type="button"
                    aria-current={c.caseId === selectedId ? "true" : undefined}
                    onClick={() => setSelectedId(c.caseId)}
                    data-case={c.caseId}
                  >
                    <span>
                      <span className={`badge ${c.kind === "dispute" ? "bad" : "unsure"}`}>{c.kind}</span>{" "}
                      <strong>{c.session}</strong>
                      <br />
                      <span>{caseSubject(c, queueNameOf)}</span>
                      <br />
                      <span className="muted reason">{c.reason}</span>
                    </span>
                    <span
                      className={`sla${left < 0 ? " late" : ""}`}
                      title="Time left before this case is late"
                    >
                      {left < 0 ? `late ${duration(-left)}` : duration(left)}
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        </nav>
        <main>
          {error && (
            <p className="alert" role="alert">
              {error}
            </p>
          )}
          {notice && (
            <p className="toast ok" role="status" data-testid="notice">
              {notice}
            </p>
          )}
          {detail && detail.c.caseId === selectedId ? (
            <CaseView
              key={detail.c.caseId}
              store={props.store}
              c={detail.c}
              ctx={detail.ctx}
              now={now}
              products={products}
              onDecide={async (d) => {
                try {
                  await api.decide(detail.c.caseId, d);
                  setError(null);
                  decided(detail.c.caseId, `Case ${detail.c.caseId}: ${d.decision} recorded.`);
                } catch (e) {
                  fail(e);
                }
              }}
            />
          ) : (
            queue && queue.length > 0 && <p className="muted">Loading the case…</p>
          )}
        </main>
      </div>
    </div>
  );
}

function isTyping(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return (
    !!t &&
    (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)
  );
}

/** The export needs the API key, which a plain link cannot send: fetch it and save the blob. */
async function downloadWithKey(
  e: React.MouseEvent<HTMLAnchorElement>,
  url: string,
  key: string,
  fail: (e: unknown) => void,
) {
  e.preventDefault();
  try {
    const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    if (!res.ok) throw new ApiError(res.status, `Export failed (${res.status})`);
    const blob = await res.blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "review-decisions.jsonl";
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  } catch (err) {
    fail(err);
  }
}

export type Decision = DecisionBody;

function asEvidence(x: unknown): Evidence | null {
  if (!x || typeof x !== "object") return null;
  const e = x as Partial<Evidence>;
  return {
    change: e.change,
    vision: Array.isArray(e.vision) ? e.vision : [],
    scans: Array.isArray(e.scans) ? e.scans : [],
    plu: Array.isArray(e.plu) ? e.plu : [],
    answers: Array.isArray(e.answers) ? e.answers : [],
    hypotheses: Array.isArray(e.hypotheses) ? e.hypotheses : [],
    shelf: e.shelf,
    shoppers: e.shoppers,
    summary: typeof e.summary === "string" ? e.summary : "",
  };
}

function CaseView(props: {
  store: string;
  c: ReviewCase;
  ctx: ReviewContext | null;
  now: number;
  products: ProductInfo[];
  onDecide: (d: Decision) => Promise<void>;
}) {
  const { c, store, products } = props;
  const line = c.lines[0];
  // fusion's record on the case, else the line's evidence, else a line-less case's rebuilt change
  const shown = shownEvidence(c, props.ctx);
  const evidence = asEvidence(shown);
  const actions = caseActions(c);
  const offers = (a: CaseAction["action"]) => actions.find((x) => x.action === a);
  const productBySku = useMemo(() => new Map(products.map((p) => [p.sku, p])), [products]);
  const nameOf = (sku: string) => productBySku.get(sku)?.name ?? sku;

  // the camera's candidates, merged over sightings, best first
  const candidates = useMemo(() => {
    const best = new Map<string, number>();
    for (const v of evidence?.vision ?? [])
      for (const k of v.candidates) best.set(k.sku, Math.max(best.get(k.sku) ?? 0, k.p));
    if (line && !best.has(line.sku)) best.set(line.sku, 0);
    return [...best.entries()].sort((a, b) => b[1] - a[1]).slice(0, 9);
  }, [evidence, line]);

  const [mode, setMode] = useState<"view" | "correct">("view");
  // a case without a line starts from the camera's best candidate, else the first product
  const [sku, setSku] = useState(line?.sku ?? candidates[0]?.[0] ?? products[0]?.sku ?? "");
  // grams for a weighed line, or — adding a line to a case without one — a product sold by weight
  const weighed = line ? line.grams !== undefined : productBySku.get(sku)?.soldBy === "weight";
  const [qty, setQty] = useState(
    String(line?.grams !== undefined ? Math.round(line.grams) : (line?.qty ?? 1)),
  );
  const [busy, setBusy] = useState(false);
  const isDispute = c.kind === "dispute";

  const decide = async (d: Decision) => {
    if (busy) return;
    setBusy(true);
    try {
      await props.onDecide(d);
    } finally {
      setBusy(false);
    }
  };
  // a dispute is rejected (the charge stands) or upheld (the line is refunded)
  const confirm = () => decide({ decision: isDispute ? "reject" : "confirm" });
  const voidIt = () => decide({ decision: isDispute ? "uphold" : "void" });
  // the form opens on a product: the case's, a chosen candidate, or — the context and the catalog
  // arrive after the first render — the camera's best candidate or the first product then
  const startCorrect = () => {
    if (!sku) setSku(candidates[0]?.[0] ?? products[0]?.sku ?? "");
    setMode("correct");
  };
  const correct = () => {
    // no line: the server adds what the reviewer names as a line of its own (no lineId)
    const corrected = correctionFor(line, sku, qty, weighed);
    return corrected ? decide({ decision: "correct", correction: corrected }) : undefined;
  };

  // c / x / v, digits pick a candidate, Enter submits a correction, Escape cancels it
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "Escape") {
        setMode("view");
        return;
      }
      if (e.key === "Enter" && mode === "correct" && !(e.target instanceof HTMLButtonElement)) {
        e.preventDefault();
        void correct();
        return;
      }
      if (isTyping(e)) return;
      if (e.key === "c" && offers("confirm")) void confirm();
      else if (e.key === "v" && offers("void")) void voidIt();
      else if (e.key === "x" && offers("correct")) startCorrect();
      else if (/^[1-9]$/.test(e.key) && offers("correct")) {
        const cand = candidates[Number(e.key) - 1];
        if (cand) {
          setSku(cand[0]);
          setMode("correct");
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const left = dueAt(c) - props.now;
  // a walk-out case's hand readings: one mark per shopper's hand (its first reading), not one each
  const handsMarked = new Set<string>();
  const marks = (evidence?.vision ?? []).flatMap((v) => {
    const hand = "shopper" in v && typeof v.shopper === "string" ? v.shopper : undefined;
    if (!hand) return [{ t: v.t, label: `camera ${v.dir}` }];
    if (handsMarked.has(hand)) return [];
    handsMarked.add(hand);
    return [{ t: v.t, label: `${hand}'s hand` }];
  });

  return (
    <article
      className="card"
      aria-labelledby="case-h"
      data-testid="case"
      style={{ display: "grid", gap: "1rem" }}
    >
      <header>
        <h2 id="case-h">
          <span className={`badge ${isDispute ? "bad" : "unsure"}`}>{c.kind}</span>{" "}
          {line
            ? `${nameOf(line.sku)} ${line.grams !== undefined ? grams(line.grams) : `× ${line.qty ?? 1}`}`
            : caseSubject(c, nameOf)}
        </h2>
        <p style={{ margin: "0 0 0.3rem" }}>
          <strong>{isDispute ? "The shopper says: " : "Why it is here: "}</strong>
          {c.reason}
        </p>
        <p className="muted" style={{ margin: 0 }}>
          Case {c.caseId} · session {c.session}
          {props.ctx?.cart ? ` · cart ${props.ctx.cart}` : ""} · opened {clock(c.openedAt)} ·{" "}
          <span className={`sla${left < 0 ? " late" : ""}`}>
            {left < 0 ? `late by ${duration(-left)}` : `${duration(left)} left`}
          </span>
        </p>
      </header>

      {line && (
        <section aria-label="The line in question">
          <div style={{ display: "flex", gap: "0.8rem", alignItems: "center" }}>
            <ProductPicture store={store} sku={line.sku} name={nameOf(line.sku)} size="large" />
            <div>
              <strong style={{ fontSize: "1.1rem" }}>{nameOf(line.sku)}</strong>
              <div>
                {weighed ? grams(line.grams ?? 0) : `× ${line.qty ?? 1}`} ·{" "}
                <span className={`badge ${line.status === "ok" ? "ok" : "unsure"}`}>{line.status}</span>
              </div>
              {evidence?.summary && !c.reason.includes(evidence.summary) && (
                <p style={{ margin: "0.3rem 0 0" }}>{evidence.summary}</p>
              )}
            </div>
          </div>
        </section>
      )}

      <div className="case-grid">
        <section aria-labelledby="trace-h">
          <h3 id="trace-h">Weight</h3>
          <WeightTrace samples={props.ctx?.trace} change={evidence?.change} marks={marks} />
        </section>
        <section aria-labelledby="cand-h">
          <h3 id="cand-h">Camera candidates</h3>
          {candidates.length === 0 ? (
            <p className="muted">The camera saw nothing.</p>
          ) : (
            <div className="candidates" role="group" aria-label="Pick the product (digit keys)">
              {candidates.map(([s, p], i) => (
                <button
                  key={s}
                  type="button"
                  className="candidate"
                  aria-pressed={mode === "correct" && sku === s}
                  disabled={!offers("correct")}
                  onClick={() => {
                    setSku(s);
                    setMode("correct");
                  }}
                >
                  <kbd>{i + 1}</kbd>
                  <ProductPicture store={store} sku={s} name="" size="small" />
                  <span style={{ flex: 1 }}>
                    {nameOf(s)}
                    {s === line?.sku && <span className="muted"> (charged now)</span>}
                    {productBySku.get(s)?.weight && (
                      <span className="muted">
                        {" "}
                        · {Math.round(productBySku.get(s)?.weight?.mean ?? 0)} g each
                      </span>
                    )}
                  </span>
                  <span className="pbar" aria-hidden="true">
                    <span style={{ width: `${Math.round(p * 100)}%` }} />
                  </span>
                  <span className="num" style={{ width: "3rem" }}>
                    {percent(p)}
                  </span>
                </button>
              ))}
            </div>
          )}
        </section>
      </div>

      <div className="case-grid">
        <section aria-labelledby="ev-h">
          <h3 id="ev-h">What else the sensors saw</h3>
          <EvidenceList
            evidence={evidence}
            nameOf={nameOf}
            more={walkoutFacts(shown, props.ctx?.caseEvidence, nameOf)}
          />
          {props.ctx?.caseEvidence && (
            <p className="muted" data-testid="evidence-source">
              {evidenceSource(props.ctx.caseEvidence)}
            </p>
          )}
        </section>
        <section aria-labelledby="basket-h">
          <h3 id="basket-h">Basket</h3>
          <BasketCompare ctx={props.ctx} nameOf={nameOf} />
        </section>
      </div>

      <section aria-labelledby="decide-h" className="card" style={{ background: "#f3f5f7" }}>
        <h3 id="decide-h">Decision</h3>
        {mode === "correct" && offers("correct") && (
          <div className="actions" style={{ marginBottom: "0.8rem" }}>
            <div style={{ display: "grid", gap: "0.2rem", flex: 2 }}>
              <label htmlFor="correct-sku">Product</label>
              <select id="correct-sku" value={sku} onChange={(e) => setSku(e.target.value)}>
                {[...new Set([...candidates.map(([s]) => s), ...products.map((p) => p.sku)])].map((s) => (
                  <option key={s} value={s}>
                    {nameOf(s)} ({s})
                  </option>
                ))}
              </select>
            </div>
            <div style={{ display: "grid", gap: "0.2rem", flex: 1 }}>
              <label htmlFor="correct-qty">{weighed ? "Grams" : "Quantity"}</label>
              <input
                id="correct-qty"
                type="number"
                inputMode="numeric"
                min={0}
                step={weighed ? 1 : 1}
                value={qty}
                onChange={(e) => setQty(e.target.value)}
              />
            </div>
            <button type="button" className="primary" disabled={busy} onClick={() => void correct()}>
              Save correction <kbd>Enter</kbd>
            </button>
            <button type="button" onClick={() => setMode("view")}>
              Cancel <kbd>Esc</kbd>
            </button>
          </div>
        )}
        <div className="actions">
          {actions.map((a) => (
            <button
              key={a.action}
              type="button"
              className={a.action === "confirm" ? "primary" : a.action === "void" ? "danger" : undefined}
              disabled={busy}
              onClick={() =>
                a.action === "confirm" ? void confirm() : a.action === "void" ? void voidIt() : startCorrect()
              }
            >
              {a.label} <kbd>{a.key}</kbd>
            </button>
          ))}
        </div>
        <p className="muted" style={{ marginBottom: 0 }}>
          {isDispute
            ? "“Charge stands” keeps the line; “Refund line” refunds it in full; a correction refunds the difference."
            : "Your decision updates the basket, the receipt and the payment (refunds included)."}
        </p>
      </section>
    </article>
  );
}

function EvidenceList({
  evidence,
  nameOf,
  more = [],
}: {
  evidence: Evidence | null;
  nameOf: (s: string) => string;
  /** a walk-out case's recorded facts beyond a line's evidence (case-detail.ts `walkoutFacts`) */
  more?: string[];
}) {
  if (!evidence) return <p className="muted">No evidence recorded.</p>;
  const items: string[] = [];
  // (a sensor event's id, where fusion recorded it with the case)
  const idOf = (x: object) => ("id" in x && typeof x.id === "string" ? ` [${x.id}]` : "");
  for (const s of evidence.scans)
    items.push(
      `${clock(s.t)} scanned${idOf(s)} ${s.code}${s.sku ? ` → ${nameOf(s.sku)}` : " (unknown code)"}${s.grams ? `, ${grams(s.grams)}` : ""}`,
    );
  for (const p of evidence.plu)
    items.push(`${clock(p.t)} keyed produce code ${p.plu}${p.sku ? ` → ${nameOf(p.sku)}` : ""}`);
  for (const a of evidence.answers)
    items.push(
      `${clock(a.t)} shopper answered ${a.sku ? nameOf(a.sku) : (a.choice ?? "—")} (prompt ${a.prompt})`,
    );
  // whose hand a walk-out camera reading was of (recorded with a walk-out case)
  const handOf = (x: object) => ("shopper" in x && typeof x.shopper === "string" ? x.shopper : undefined);
  for (const v of evidence.vision)
    items.push(
      handOf(v)
        ? `${clock(v.t)} camera${idOf(v)}, ${handOf(v)}'s hand: ${v.candidates.length === 0 ? "empty" : v.candidates.map((k) => `${nameOf(k.sku)} ${percent(k.p)}`).join(", ")}`
        : `${clock(v.t)} camera${idOf(v)}: item ${v.dir === "in" ? "going in" : v.dir === "out" ? "coming out" : "crossing"}${v.candidates.length === 0 ? ", not recognised" : `: ${v.candidates.map((k) => `${nameOf(k.sku)} ${percent(k.p)}`).join(", ")}`}`,
    );
  // walk-out store: where on the shelves, and the candidate shoppers with their distance to it
  if (evidence.shelf)
    items.push(
      `shelf: gondola ${evidence.shelf.gondola}, shelf ${evidence.shelf.shelf}, plate${evidence.shelf.plates.length === 1 ? "" : "s"} ${evidence.shelf.plates.join(", ")}`,
    );
  if (evidence.shoppers?.length && !more.some((m) => m.startsWith("candidates:")))
    items.push(
      `shoppers within reach: ${evidence.shoppers.map((x) => `${x.shopper} (${x.distance.toFixed(2)} m)`).join(", ")}`,
    );
  items.push(...more);
  return (
    <>
      {items.length === 0 ? (
        <p className="muted">No scans, produce codes or answers.</p>
      ) : (
        <ul className="evidence-list">
          {items.map((t, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a static list
            <li key={i}>{t}</li>
          ))}
        </ul>
      )}
      {evidence.hypotheses.length > 0 && (
        <>
          <h4 style={{ margin: "0.6rem 0 0.2rem" }}>Explanations considered</h4>
          <table>
            <tbody>
              {evidence.hypotheses.slice(0, 5).map((h) => (
                <tr key={h.label}>
                  <td>{h.label}</td>
                  <td className="num">{percent(h.posterior)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

function BasketCompare({ ctx, nameOf }: { ctx: ReviewContext | null; nameOf: (s: string) => string }) {
  if (!ctx) {
    return <p className="muted">The basket around this event is not available.</p>;
  }
  const fmt = (l: { sku: string; qty?: number; grams?: number }) =>
    `${nameOf(l.sku)} ${l.grams !== undefined ? grams(l.grams) : `× ${l.qty ?? 1}`}`;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <td>
            <ul className="evidence-list">
              {ctx.basketBefore.length === 0 && <li className="muted">empty</li>}
              {ctx.basketBefore.map((l, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a static list
                <li key={i}>{fmt(l)}</li>
              ))}
            </ul>
          </td>
          <td>
            <ul className="evidence-list">
              {ctx.basketAfter.length === 0 && <li className="muted">empty</li>}
              {ctx.basketAfter.map((l, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a static list
                <li key={i}>{fmt(l)}</li>
              ))}
            </ul>
          </td>
        </tr>
      </tbody>
    </table>
  );
}
