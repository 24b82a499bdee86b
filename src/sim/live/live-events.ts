/**
 * What the live driver reports as it goes: one event per thing a newcomer would want to see on
 * the console (a session opening, an item appearing on a cart's screen, a prompt answered, a
 * session settling), and how they read as one line each.
 */
import type { PromptReply } from "../cart-sim";
import type { ScreenPrompt } from "./prompt-reply";

export interface ScreenLine {
  sku: string;
  name: string;
  qty?: number;
  grams?: number;
  amount: number;
  status: "ok" | "unsure";
}

export type LiveEvent =
  | { kind: "connected"; cart: string }
  | { kind: "started"; cart: string; session: string; account?: string; stops: number }
  | {
      kind: "item";
      cart: string;
      session: string;
      change: "added" | "removed";
      name: string;
      qty?: number;
      grams?: number;
      total: number;
      currency: string;
    }
  | {
      kind: "prompt";
      cart: string;
      session: string;
      prompt: ScreenPrompt;
      style: "right" | "wrong" | "none";
      replies: PromptReply[];
    }
  | {
      kind: "settled";
      cart: string;
      session: string;
      state: "paid" | "review" | "problem" | "idle";
      total: number;
      currency: string;
      lines: ScreenLine[];
    }
  | { kind: "unsettled"; cart: string; session: string }
  | { kind: "rejected"; cart: string; reason: string; detail?: string }
  | { kind: "note"; cart: string; text: string };

export function money(amount: number, currency: string): string {
  try {
    const f = new Intl.NumberFormat("en", { style: "currency", currency });
    const digits = f.resolvedOptions().maximumFractionDigits ?? 2;
    return f.format(amount / 10 ** digits);
  } catch {
    return `${currency} ${amount}`;
  }
}

function replyText(r: PromptReply): string {
  switch (r.type) {
    case "answer":
      return r.choice !== undefined ? `“${r.choice}”` : `product ${r.sku}`;
    case "barcode":
      return `scanned ${r.code}`;
    case "plu":
      return `keyed PLU ${r.plu}`;
  }
}

/** One console line for an event (without the time stamp). */
export function describeEvent(e: LiveEvent): string {
  switch (e.kind) {
    case "connected":
      return `${e.cart} connected`;
    case "started":
      return `${e.cart} ${e.session} started${e.account ? ` (account ${e.account})` : ""}, ${e.stops} stops planned`;
    case "item": {
      const what = e.grams !== undefined ? `${e.name} ${e.grams} g` : `${e.qty ?? 1} × ${e.name}`;
      return `${e.cart} ${e.session} ${e.change === "added" ? "+" : "−"} ${what}   total ${money(e.total, e.currency)}`;
    }
    case "prompt": {
      const q = `“${e.prompt.text}”`;
      if (e.style === "none" || e.replies.length === 0) return `${e.cart} ${e.session} ? ${q} → not answered`;
      return `${e.cart} ${e.session} ? ${q} → ${e.replies.map(replyText).join(", ")}${e.style === "wrong" ? " (a wrong answer)" : ""}`;
    }
    case "settled": {
      const n = e.lines.length;
      const verdict = { paid: "PAID", review: "REVIEW", problem: "PROBLEM", idle: "CANCELLED" }[e.state];
      return `${e.cart} ${e.session} ${verdict} ${money(e.total, e.currency)} (${n} line${n === 1 ? "" : "s"})`;
    }
    case "unsettled":
      return `${e.cart} ${e.session} left through the exit, no outcome on the screen yet`;
    case "rejected":
      return `${e.cart} server refused an event: ${e.reason}${e.detail ? ` (${e.detail})` : ""}`;
    case "note":
      return `${e.cart} ${e.text}`;
  }
}
