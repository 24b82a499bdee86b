/**
 * The produce keypad: the shopper keys the code on the sticker (PLU, 4–5 digits) while the
 * item lies on the scale; the screen shows the weight — the live net load when the screen state
 * carries it (optional `scale`), else the weight of the item being asked about — so they see what will be
 * charged. Digit keys are 56 px; the physical keyboard works too (digits, Backspace, Enter).
 */
import { useEffect, useState } from "react";
import { grams } from "../../format";

export function Keypad(props: {
  title: string;
  scale?: { grams: number; stable?: boolean };
  /** the weighed line the cart is asking about, when there is no live scale reading */
  weighed?: number;
  busy: boolean;
  onSubmit: (plu: string) => void | Promise<void>;
  onCancel?: () => void;
}) {
  const [code, setCode] = useState("");
  const valid = /^\d{4,5}$/.test(code);
  const press = (d: string) => setCode((c) => (c.length < 5 ? c + d : c));
  const submit = () => {
    if (valid && !props.busy) {
      void props.onSubmit(code);
      setCode("");
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
      if (/^\d$/.test(e.key)) setCode((c) => (c.length < 5 ? c + e.key : c));
      else if (e.key === "Backspace") setCode((c) => c.slice(0, -1));
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  return (
    <section className="prompt" aria-labelledby="keypad-title" data-testid="keypad">
      <h2 id="keypad-title">{props.title}</h2>
      <div className="keypad-display">
        <output aria-label="Produce code" data-testid="plu-code">
          {code || <span className="muted">code</span>}
        </output>
        <span
          aria-label={props.scale ? "Weight on the scale" : "Weight of the item"}
          data-testid="keypad-weight"
        >
          {props.scale
            ? `${grams(props.scale.grams)}${props.scale.stable === false ? " …" : ""}`
            : props.weighed !== undefined
              ? grams(props.weighed)
              : "— g"}
        </span>
      </div>
      <div className="keypad" role="group" aria-label="Keypad">
        {["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => (
          <button key={d} type="button" onClick={() => press(d)} aria-label={`Digit ${d}`}>
            {d}
          </button>
        ))}
        <button type="button" onClick={() => setCode((c) => c.slice(0, -1))} aria-label="Delete last digit">
          ⌫
        </button>
        <button type="button" onClick={() => press("0")} aria-label="Digit 0">
          0
        </button>
        <button type="button" className="primary" disabled={!valid || props.busy} onClick={submit}>
          OK
        </button>
      </div>
      {props.onCancel && (
        <button type="button" className="big" onClick={props.onCancel}>
          Cancel
        </button>
      )}
    </section>
  );
}
