/**
 * How a simulated shopper answers the cart screen. A right answer tells the truth the way the
 * prompt asks for it (scan the item, key the PLU, pick the option, confirm the removal, or say
 * "not merchandise" for their own bag); a wrong answer picks another option or another product.
 * A prompt about nothing the shopper did (no line of theirs, nothing done in the last 15 s) is
 * answered "nothing". Whether an answer is right, wrong or never given is drawn by the cart
 * simulator from the shopper profile.
 */
import type { Action } from "./actions";
import { type PromptContext, type PromptReply, printedCode } from "./cart-sim";

/** the products really involved in the stops a prompt is about */
function truthOf(actions: Action[]): { skus: string[]; removal: boolean; foreign: boolean } {
  const skus: string[] = [];
  let removal = false;
  let foreign = false;
  for (const a of actions) {
    switch (a.kind) {
      case "add":
        for (const u of a.units) if (!skus.includes(u.sku)) skus.push(u.sku);
        break;
      case "remove":
        removal = true;
        for (const u of a.units) if (!skus.includes(u.sku)) skus.push(u.sku);
        break;
      case "produce":
        if (!skus.includes(a.sku)) skus.push(a.sku);
        break;
      case "bag":
        foreign = true;
        break;
      case "bag-out":
        foreign = true;
        removal = true;
        break;
      default:
        break;
    }
  }
  return { skus, removal, foreign: foreign && skus.length === 0 };
}

export function answerPrompt(ctx: PromptContext): PromptReply[] {
  const { prompt, rng } = ctx;
  const truth = truthOf(ctx.actions);
  const id = prompt.id;
  const options = prompt.options ?? [];
  const cat = ctx.catalog.catalog;

  if (ctx.actions.length === 0) {
    // the screen asks about something the shopper did not do
    if (ctx.style === "wrong" && options.length > 0)
      return [{ type: "answer", prompt: id, choice: rng.pick(options).sku }];
    return [{ type: "answer", prompt: id, choice: prompt.kind === "confirm-removal" ? "no" : "nothing" }];
  }
  if (ctx.style === "wrong") {
    if (prompt.kind === "confirm-removal")
      return [{ type: "answer", prompt: id, choice: truth.removal ? "no" : "yes" }];
    const other = options.filter((o) => !truth.skus.includes(o.sku));
    if (other.length > 0) return [{ type: "answer", prompt: id, choice: rng.pick(other).sku }];
    if (truth.foreign) return [{ type: "answer", prompt: id, choice: "yes" }];
    // no wrong option on screen: the shopper says it is not merchandise
    return [{ type: "answer", prompt: id, choice: "not-merchandise" }];
  }

  if (truth.foreign)
    return [
      {
        type: "answer",
        prompt: id,
        choice: truth.removal && prompt.kind !== "confirm-removal" ? "no" : "not-merchandise",
      },
    ];
  // the product the prompt is about: prefer one its lines already name, else one on screen, else the first
  const sku =
    truth.skus.find((s) => ctx.lineSkus.includes(s)) ??
    truth.skus.find((s) => options.some((o) => o.sku === s)) ??
    truth.skus[0];
  if (sku === undefined) return [{ type: "answer", prompt: id, choice: "not-merchandise" }];
  const p = cat.bySku.get(sku);
  switch (prompt.kind) {
    case "confirm-removal":
      return [{ type: "answer", prompt: id, sku }];
    case "choose":
      return options.some((o) => o.sku === sku)
        ? [{ type: "answer", prompt: id, choice: sku }]
        : [{ type: "answer", prompt: id, sku }];
    case "plu":
      if (p?.plu) return [{ type: "plu", plu: p.plu }];
      if (p?.gtin) return [{ type: "barcode", code: printedCode(p.gtin) }];
      return [{ type: "answer", prompt: id, sku }];
    case "scan":
      if (p?.gtin) return [{ type: "barcode", code: printedCode(p.gtin) }];
      if (p?.plu) return [{ type: "plu", plu: p.plu }];
      return [{ type: "answer", prompt: id, sku }];
    default:
      return [{ type: "answer", prompt: id, sku }];
  }
}
