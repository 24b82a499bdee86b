/**
 * View models built from a session's folded state: the cart screen (exchange-v1 §5), the
 * receipt with each line's evidence, the review cases, the session row. Pure functions.
 */
import type { BasketLine, BasketState } from "../../domain/basket/basket.state";
import { basketContents } from "../../domain/basket/basket.state";
import type { Catalog } from "../../domain/catalog/product";
import type { ReceiptLine } from "../../domain/events/sensor-events";
import { priceBasket } from "../../domain/pricing/price-basket";
import type { PricedReceipt } from "../../domain/pricing/receipt.types";
import { type ScreenState, screenState } from "../../domain/session/session.transitions";
import { DomainError } from "../../domain/shared/errors";
import type { StoreSettings } from "../../domain/store/store-settings";
import type { CartScreen, ReceiptView, ReviewCaseView, SessionView } from "../ports/read-models";
import type { SessionSnapshot } from "./session-streams";

export interface PricingContext {
  catalog: Catalog;
  settings: StoreSettings;
}

/** Prices what the basket holds now; a basket the catalog cannot price is reported, not thrown. */
export function priceState(
  state: BasketState,
  ctx: PricingContext,
): { receipt: PricedReceipt; error?: undefined } | { receipt?: undefined; error: DomainError } {
  const c = basketContents(state);
  try {
    return { receipt: priceBasket({ items: c.items, weighed: c.weighed }, ctx.catalog, ctx.settings) };
  } catch (err) {
    if (err instanceof DomainError) return { error: err };
    throw err;
  }
}

function countingLines(state: BasketState, sku: string, weighed: boolean): BasketLine[] {
  const out: BasketLine[] = [];
  for (const id of state.lineOrder) {
    const l = state.lines.get(id)!;
    if (l.sku === sku && !l.voided && (l.grams !== undefined) === weighed) out.push(l);
  }
  return out;
}

/** The cart screen. `paymentProblem` shows `problem` while shopping (the check-in hold failed). */
export function buildScreen(
  snap: SessionSnapshot | undefined,
  ctx: PricingContext,
  paymentProblem = false,
): CartScreen {
  if (!snap || snap.version === 0) {
    return { state: "idle", currency: ctx.settings.currency, total: 0, lines: [], seq: 0 };
  }
  const { state } = snap;
  let shown: ScreenState = screenState(state.phase);
  if (shown === "idle") {
    // A cancelled session: the cart is free again. Keep the seq growing.
    return {
      state: "idle",
      currency: ctx.settings.currency,
      total: 0,
      lines: [],
      seq: snap.lastPosition * 2,
    };
  }
  const priced = priceState(state, ctx);
  if (paymentProblem && shown === "shopping") shown = "problem";
  const lines: CartScreen["lines"] = [];
  if (priced.receipt) {
    for (const l of priced.receipt.lines) {
      const unsure = countingLines(state, l.sku, l.grams !== undefined).some((b) => b.status === "unsure");
      lines.push({
        sku: l.sku,
        name: l.name,
        ...(l.grams !== undefined ? { grams: l.grams } : { qty: l.qty ?? 0 }),
        amount: l.total,
        status: unsure ? "unsure" : "ok",
      });
    }
  }
  const screen: CartScreen = {
    session: snap.session,
    state: shown,
    currency: priced.receipt?.currency ?? ctx.settings.currency,
    total: priced.receipt?.total ?? 0,
    lines,
    // Positions grow with every change in the store, across sessions and processes.
    seq: snap.lastPosition * 2 + (paymentProblem ? 1 : 0),
  };
  const prompt = [...state.prompts.values()][0];
  if (prompt && state.phase === "shopping") {
    screen.prompt = {
      id: prompt.id,
      kind: prompt.kind,
      text: prompt.text,
      ...(prompt.options ? { options: prompt.options } : {}),
    };
  }
  return screen;
}

/** The receipt: priced lines with unit price, quantity, adjustments and their evidence. */
export function buildReceipt(
  snap: SessionSnapshot,
  ctx: PricingContext,
  issuedAt: number,
): ReceiptView | undefined {
  const priced = priceState(snap.state, ctx);
  if (!priced.receipt) return undefined;
  const r = priced.receipt;
  const { state } = snap;
  return {
    store: snap.store,
    session: snap.session,
    currency: r.currency,
    lines: r.lines.map((l) => {
      const basket = countingLines(state, l.sku, l.grams !== undefined);
      const disputed = basket.some((b) => b.disputeCaseId !== undefined);
      const unsure = basket.some((b) => b.status === "unsure");
      return {
        lineId: basket[0]?.lineId ?? "",
        lineIds: basket.map((b) => b.lineId),
        sku: l.sku,
        name: l.name,
        ...(l.unitPrice !== undefined ? { unitPrice: l.unitPrice } : {}),
        ...(l.pricePerKg !== undefined ? { pricePerKg: l.pricePerKg } : {}),
        ...(l.qty !== undefined ? { qty: l.qty } : {}),
        ...(l.grams !== undefined ? { grams: l.grams } : {}),
        amount: l.amount,
        adjustments: l.adjustments.map((a) => ({
          kind: a.type === "tax" && a.included ? "tax-included" : a.type,
          label: a.label,
          amount: a.amount,
        })),
        total: l.total,
        status: disputed ? "disputed" : unsure ? "unsure" : "ok",
        evidence: basket.map((b) => b.evidence.summary).join(" "),
      };
    }),
    adjustments: [],
    taxes: r.taxes.map((t) => ({ taxClass: t.classes.join(","), rateBp: t.rateBps, amount: t.amount })),
    subtotal: r.subtotal,
    total: r.total,
    captured: state.payment.captured,
    refunded: state.payment.refunded,
    review:
      state.resolvedCases.some((c) => c.kind === "uncertain") ||
      [...state.cases.values()].some((c) => c.kind === "uncertain"),
    prompts: state.promptsRaised,
    issuedAt,
  };
}

/** The review cases of a session: open ones and resolved ones. */
export function buildCases(snap: SessionSnapshot): ReviewCaseView[] {
  const { state } = snap;
  const lines = (ids: readonly string[]) =>
    ids
      .map((id) => state.lines.get(id))
      .filter((l): l is BasketLine => l !== undefined)
      .map((l) => ({
        lineId: l.lineId,
        sku: l.sku,
        ...(l.qty !== undefined ? { qty: l.qty } : {}),
        ...(l.grams !== undefined ? { grams: l.grams } : {}),
        status: l.voided ? "voided" : l.status,
        evidence: l.evidence,
      }));
  const base = { store: snap.store, session: snap.session, version: snap.version };
  return [
    ...[...state.cases.values()].map((c) => ({
      ...base,
      caseId: c.caseId,
      kind: c.kind,
      lineIds: [...c.lineIds],
      reason: c.reason,
      status: "open" as const,
      openedAt: c.openedAt,
      lines: lines(c.lineIds),
    })),
    ...state.resolvedCases.map((c) => ({
      ...base,
      caseId: c.caseId,
      kind: c.kind,
      lineIds: [...c.lineIds],
      reason: c.reason,
      status: "resolved" as const,
      openedAt: c.openedAt,
      resolvedAt: c.resolvedAt,
      decision: c.decision,
      by: c.by,
      lines: lines(c.lineIds),
    })),
  ];
}

/**
 * The session's line of `receipts.jsonl` (exchange-v1 §4): what the shopper is charged for and
 * the amount. `review` is true when the session went to human review before the charge.
 */
export function buildReceiptLine(snap: SessionSnapshot, ctx: PricingContext): ReceiptLine | undefined {
  const priced = priceState(snap.state, ctx);
  if (!priced.receipt) return undefined;
  const c = basketContents(snap.state);
  const { state } = snap;
  return {
    session: snap.session,
    items: c.items,
    weighed: c.weighed,
    total: priced.receipt.total,
    currency: priced.receipt.currency,
    review:
      state.resolvedCases.some((k) => k.kind === "uncertain") ||
      [...state.cases.values()].some((k) => k.kind === "uncertain"),
    prompts: state.promptsRaised,
  };
}

/** The session row for listings. */
export function buildSessionView(
  snap: SessionSnapshot,
  ctx: PricingContext,
  now: number,
  paymentProblem = false,
): SessionView {
  const { state } = snap;
  const screen = buildScreen(snap, ctx, paymentProblem);
  const settled = state.phase !== "shopping" && state.phase !== "idle";
  return {
    store: snap.store,
    session: snap.session,
    ...(state.cart !== undefined ? { cart: state.cart } : {}),
    ...(state.account !== undefined ? { account: state.account } : {}),
    state: state.phase,
    screen,
    total: screen.total,
    currency: screen.currency,
    openedAt: state.openedAt ?? now,
    updatedAt: state.updatedAt ?? now,
    version: snap.version,
    open: state.phase === "shopping",
    ...(settled ? { receipt: buildReceipt(snap, ctx, state.updatedAt ?? now) } : {}),
    ...(state.payment.holdsToRelease?.length
      ? { holdsToRelease: state.payment.holdsToRelease.map((h) => ({ ...h })) }
      : {}),
  };
}
