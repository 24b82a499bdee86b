/**
 * A screen's address without its store (or cart): `/ops/`, `/review/`, `/cart/`, `/cart/{store}`.
 * Asks for what is missing and goes to the screen. The app cannot list the stores here: that
 * needs a staff key, and which store a key belongs to is asked on the next page anyway.
 */
import { useState } from "react";
import { screenPath } from "../../route";

const TITLES = { ops: "Operator dashboard", review: "Review console", cart: "Cart screen" } as const;

export function PickScreen(props: { target: "cart" | "ops" | "review"; store?: string }) {
  const [store, setStore] = useState(props.store ?? "");
  const [cart, setCart] = useState("");
  const needsCart = props.target === "cart";
  const ready = store.trim() !== "" && (!needsCart || cart.trim() !== "");
  return (
    <main className="signin card">
      <h1>{TITLES[props.target]}</h1>
      <p className="muted">
        {needsCart ? "Which store and cart is this screen for?" : "Which store?"} The store server prints its
        stores when it starts (the demo store is <code>demo</code>).
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) window.location.assign(screenPath(props.target, store.trim(), cart.trim()));
        }}
        style={{ display: "grid", gap: "0.6rem" }}
      >
        <label htmlFor="pick-store">Store id</label>
        <input id="pick-store" value={store} onChange={(e) => setStore(e.target.value)} autoComplete="off" />
        {needsCart && (
          <>
            <label htmlFor="pick-cart">Cart id</label>
            <input id="pick-cart" value={cart} onChange={(e) => setCart(e.target.value)} autoComplete="off" />
          </>
        )}
        <button type="submit" className="primary" disabled={!ready}>
          Open
        </button>
      </form>
    </main>
  );
}
