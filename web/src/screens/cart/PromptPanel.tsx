/**
 * A question from the cart: scan the item just added, "was it A or B?", or "did you take X
 * out?". Every answer is one large button (≥ 64 px); the prompt takes focus so a screen reader
 * announces it and a keyboard user lands on the first choice.
 */
import { useEffect, useRef } from "react";
import type { CartReply } from "../../api/cart";
import type { ScreenPrompt } from "../../api/types";
import { Icon } from "../../components/Icon";
import { ProductPicture } from "../../components/ProductPicture";

export function PromptPanel(props: {
  prompt: ScreenPrompt;
  store: string;
  busy: boolean;
  onReply: (r: CartReply) => void;
}) {
  const { prompt, store, busy, onReply } = props;
  const ref = useRef<HTMLHeadingElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: focus once per new prompt
  useEffect(() => {
    ref.current?.focus();
  }, [prompt.id]);
  const answer = (a: { sku?: string; choice?: string }) =>
    onReply({ type: "answer", prompt: prompt.id, ...a });
  const options = prompt.options ?? [];

  return (
    <section
      className="prompt"
      role="alertdialog"
      aria-labelledby={`prompt-${prompt.id}`}
      data-prompt={prompt.kind}
    >
      <h2 id={`prompt-${prompt.id}`} tabIndex={-1} ref={ref}>
        {prompt.kind === "scan" && <Icon name="barcode" size={28} className="inline-icon" />}
        {prompt.text}
      </h2>
      {prompt.kind === "scan" && (
        <p className="muted">Hold the item's barcode under the scanner on the handle.</p>
      )}
      {prompt.kind === "confirm-removal" && options.length > 1 ? (
        // the cart saw something leave but not which of these: the shopper names it
        <>
          <p className="muted" style={{ margin: 0 }}>
            Tap the one you took out.
          </p>
          <div className="options">
            {options.map((o) => (
              <button
                key={o.sku}
                type="button"
                className="option"
                disabled={busy}
                onClick={() => answer({ sku: o.sku })}
              >
                <ProductPicture store={store} sku={o.sku} name="" />
                <span>{o.name}</span>
              </button>
            ))}
          </div>
          <button type="button" className="big" disabled={busy} onClick={() => answer({ choice: "no" })}>
            I didn't take anything out
          </button>
        </>
      ) : prompt.kind === "confirm-removal" ? (
        <>
          {options.length === 1 && (
            <div className="row" style={{ alignItems: "center" }}>
              <ProductPicture store={store} sku={options[0].sku} name={options[0].name} />
              <strong>{options[0].name}</strong>
            </div>
          )}
          <div className="row">
            <button
              type="button"
              className="big primary"
              disabled={busy}
              onClick={() => answer({ choice: "yes" })}
            >
              Yes, I took it out
            </button>
            <button type="button" className="big" disabled={busy} onClick={() => answer({ choice: "no" })}>
              No
            </button>
          </div>
        </>
      ) : (
        <>
          {options.length > 0 && (
            <div className="options">
              {options.map((o) => (
                <button
                  key={o.sku}
                  type="button"
                  className="option"
                  disabled={busy}
                  onClick={() => answer({ sku: o.sku })}
                >
                  <ProductPicture store={store} sku={o.sku} name="" />
                  <span>{o.name}</span>
                </button>
              ))}
            </div>
          )}
          {prompt.kind === "choose" && <p className="muted">Not one of these? Scan its barcode instead.</p>}
          <button
            type="button"
            className="big"
            disabled={busy}
            onClick={() => answer({ choice: "not-merchandise" })}
          >
            It's my own item, not from the store
          </button>
        </>
      )}
    </section>
  );
}
