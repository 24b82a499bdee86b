/**
 * The screen on the cart: what the cart recognised, the running total, a big sign for each
 * item accepted or not, the prompts, the produce keypad and the exit. Fed by the §5 screen
 * state (live over the WebSocket, polled as a fallback); replies go back as §1 events.
 * Laid out for a small landscape touch display (1024×600): basket left, actions right.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import {
  type CartCredentials,
  type CartLink,
  type CartReply,
  connectCart,
  forgetCartSecret,
  loadCartCredentials,
  saveCartSecret,
} from "../../api/cart";
import { describeError } from "../../api/http";
import { useLive } from "../../api/live";
import type { ScreenLine, ScreenState } from "../../api/types";
import { Icon } from "../../components/Icon";
import { ProductPicture } from "../../components/ProductPicture";
import { grams, money } from "../../format";
import { basketChange, type Feedback, freshSkus } from "./cart-feedback";
import { ExitPanel } from "./ExitPanel";
import { Keypad } from "./Keypad";
import { PromptPanel } from "./PromptPanel";

const EXIT_STATES = new Set(["charging", "paid", "review", "problem"]);

export function CartScreen({ store, cart }: { store: string; cart: string }) {
  const [creds, setCreds] = useState<CartCredentials | null>(() => loadCartCredentials(store, cart));
  if (!creds) {
    return (
      <PairCart
        store={store}
        cart={cart}
        onPaired={(secret) => {
          saveCartSecret(store, cart, secret);
          setCreds({ store, cart, secret });
        }}
      />
    );
  }
  return (
    <CartLive
      creds={creds}
      onUnauthorized={() => {
        forgetCartSecret(store, cart);
        setCreds(null);
      }}
    />
  );
}

function CartLive({ creds, onUnauthorized }: { creds: CartCredentials; onUnauthorized: () => void }) {
  const [screen, setScreen] = useState<ScreenState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [keypadOpen, setKeypadOpen] = useState(false);
  const [sending, setSending] = useState(false);
  const last = useRef<ScreenState | null>(null);

  const apply = useCallback((next: ScreenState) => {
    const prev = last.current;
    // frames can arrive out of order (socket and poll race): keep the newest
    if (prev && prev.session === next.session && next.seq < prev.seq) return;
    if (prev && prev.session === next.session && next.seq === prev.seq) return;
    last.current = next;
    setScreen(next);
    setError(null);
    const prevLines = prev && prev.session === next.session ? prev.lines : [];
    const change = basketChange(prevLines, next.lines);
    if (change) {
      setFeedback(change);
      setFresh(freshSkus(prevLines, next.lines));
    }
  }, []);

  const connected = useLive({
    auth: { type: "auth", cart: creds.cart, secret: creds.secret },
    subscribe: [{ type: "subscribe", store: creds.store, cart: creds.cart }],
    onMessage: (msg) => {
      const m = msg as { type?: string; store?: string; cart?: string; screen?: ScreenState };
      if (m.type === "screen" && m.screen && m.cart === creds.cart && m.store === creds.store)
        apply(m.screen);
    },
    onUnauthorized,
  });

  // the cart's own MQTT session: replies go out on it, and the retained screen comes in
  const link = useRef<CartLink | null>(null);
  const [mqttUp, setMqttUp] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: one session per set of credentials
  useEffect(() => {
    let live = true;
    let l: CartLink | null = null;
    connectCart(creds, {
      onScreen: (s) => live && apply(s),
      onError: (e) => live && setError(`The cart's message was refused: ${e.detail ?? e.reason}`),
      onStatus: (st) => {
        if (!live) return;
        setMqttUp(st === "connected");
        if (st === "unauthorized") onUnauthorized();
      },
    }).then(
      (x) => {
        l = x;
        if (live) link.current = x;
        else x.close();
      },
      (e) => live && setError(describeError(e)),
    );
    return () => {
      live = false;
      l?.close();
      link.current = null;
    };
  }, [creds.store, creds.cart, creds.secret]);

  // the "added" sign fades after a few seconds unless it asks the shopper to look
  useEffect(() => {
    if (!feedback || (feedback.kind === "added" && feedback.status === "unsure")) return;
    const t = setTimeout(() => setFeedback(null), 4000);
    return () => clearTimeout(t);
  }, [feedback]);

  const reply = async (r: CartReply) => {
    setSending(true);
    try {
      if (!link.current) throw new Error("The cart is still connecting — try again in a moment.");
      await link.current.send(r);
      setError(null);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setSending(false);
    }
  };

  const state = screen?.state ?? "idle";
  const currency = screen?.currency ?? "USD";
  const inExit = EXIT_STATES.has(state);
  const showKeypad = !inExit && (screen?.prompt?.kind === "plu" || keypadOpen);

  return (
    <div className="cart">
      <header className="cart-head">
        <strong>Skiplane</strong>
        <span className="muted-inverse">Cart {creds.cart}</span>
        <span className="spacer" />
        {screen?.scale && (
          <span className="scale" aria-label="Weight in the basket">
            <Icon name="scale" size={20} className="inline-icon" /> {grams(screen.scale.grams)}
          </span>
        )}
        <StateBadge state={state} />
        <span
          title={connected || mqttUp ? "Live" : "Reconnecting"}
          data-testid="cart-live"
          data-ws={connected}
          data-mqtt={mqttUp}
        >
          <span className={`live-dot${connected || mqttUp ? " on" : ""}`} aria-hidden="true" />
          <span className="sr-only">{connected || mqttUp ? "Live" : "Reconnecting"}</span>
        </span>
      </header>
      <main className="cart-body">
        <section className="basket" aria-label="Your basket">
          {screen && screen.lines.length > 0 ? (
            <ul aria-live="polite">
              {screen.lines.map((l, i) => (
                <BasketRow
                  key={`${l.sku}-${l.status}-${l.grams ?? ""}-${i.toString(36)}`}
                  line={l}
                  store={creds.store}
                  currency={currency}
                  fresh={fresh.has(l.sku)}
                />
              ))}
            </ul>
          ) : (
            <div className="exit" style={{ border: 0 }}>
              <p className="big-icon" aria-hidden="true">
                <Icon name="cart" size={56} />
              </p>
              <p>
                {state === "idle"
                  ? "Unlock the cart with the store app to start."
                  : "Put items in the cart — no scanning needed."}
              </p>
            </div>
          )}
          <div className="total" aria-live="polite">
            <span>Total</span>
            <span data-testid="cart-total">{money(screen?.total ?? 0, currency)}</span>
          </div>
        </section>
        <section className="panel" aria-label="Messages and actions">
          {error && (
            <p className="alert" role="alert">
              {error}
            </p>
          )}
          {inExit && screen ? (
            <ExitPanel screen={screen} />
          ) : (
            <>
              {/* while the cart asks, the question is the message: only an unsure addition stays beside it */}
              {feedback &&
                (!screen?.prompt || (feedback.kind === "added" && feedback.status === "unsure")) && (
                  <FeedbackSign feedback={feedback} />
                )}
              {screen?.prompt && screen.prompt.kind !== "plu" && (
                <PromptPanel prompt={screen.prompt} store={creds.store} busy={sending} onReply={reply} />
              )}
              {showKeypad ? (
                <Keypad
                  title={screen?.prompt?.kind === "plu" ? screen.prompt.text : "Enter the produce code"}
                  scale={screen?.scale}
                  weighed={
                    [...(screen?.lines ?? [])]
                      .reverse()
                      .find((l) => l.status === "unsure" && l.grams !== undefined)?.grams
                  }
                  busy={sending}
                  onSubmit={async (plu) => {
                    await reply({ type: "plu", plu });
                    setKeypadOpen(false);
                  }}
                  onCancel={screen?.prompt?.kind === "plu" ? undefined : () => setKeypadOpen(false)}
                />
              ) : (
                !screen?.prompt &&
                state === "shopping" && (
                  <button type="button" className="big" onClick={() => setKeypadOpen(true)}>
                    <Icon name="produce" /> Fruit &amp; veg: enter a produce code
                  </button>
                )
              )}
            </>
          )}
        </section>
      </main>
    </div>
  );
}

function BasketRow(props: { line: ScreenLine; store: string; currency: string; fresh: boolean }) {
  const { line, store, currency } = props;
  const unsure = line.status === "unsure";
  return (
    <li className={`${unsure ? "unsure" : ""}${props.fresh ? " fresh" : ""}`} data-sku={line.sku}>
      <ProductPicture store={store} sku={line.sku} />
      <div>
        <div className="name">{line.name}</div>
        <div className="sub">
          {line.grams !== undefined ? grams(line.grams) : `× ${line.qty ?? 1}`}{" "}
          {unsure ? (
            <span className="badge unsure">? Checking</span>
          ) : (
            <span className="badge ok">✓ Added</span>
          )}
        </div>
      </div>
      <div className="num">
        <strong>{money(line.amount, currency)}</strong>
      </div>
    </li>
  );
}

function FeedbackSign({ feedback }: { feedback: Feedback }) {
  if (feedback.kind === "added" && feedback.status === "unsure") {
    return (
      <div className="toast unsure" role="status" data-testid="feedback">
        <span className="icon" aria-hidden="true">
          ?
        </span>
        <span>Not sure what you added ({feedback.name}). Please answer below.</span>
      </div>
    );
  }
  const text =
    feedback.kind === "added"
      ? `Added ${feedback.name}`
      : feedback.kind === "confirmed"
        ? `Thanks — ${feedback.name} confirmed`
        : `Removed ${feedback.name}`;
  return (
    <div className="toast ok" role="status" data-testid="feedback">
      <span className="icon" aria-hidden="true">
        {feedback.kind === "removed" ? "−" : "✓"}
      </span>
      <span>{text}</span>
    </div>
  );
}

const STATE_LABEL: Record<string, [string, string]> = {
  idle: ["Locked", "neutral"],
  shopping: ["Shopping", "ok"],
  charging: ["Paying…", "neutral"],
  paid: ["Paid", "ok"],
  review: ["Being checked", "unsure"],
  problem: ["Payment problem", "bad"],
};

function StateBadge({ state }: { state: string }) {
  const [label, tone] = STATE_LABEL[state] ?? [state, "neutral"];
  return (
    <span className={`badge ${tone}`} data-testid="cart-state">
      {label}
    </span>
  );
}

/** First use of a cart's screen: staff pair it with the cart's secret (or open the link with #secret=…). */
function PairCart(props: { store: string; cart: string; onPaired: (secret: string) => void }) {
  const [secret, setSecret] = useState("");
  return (
    <main className="signin card">
      <h1>Pair this screen with cart {props.cart}</h1>
      <p className="muted">
        Staff only: enter the cart's secret — given once when the cart was provisioned (
        <code>POST /api/v1/stores/{props.store}/carts</code>), or, for the demo carts, printed by the server
        at start.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (secret.trim()) props.onPaired(secret.trim());
        }}
      >
        <label htmlFor="cart-secret">Cart secret</label>
        <div className="row">
          <input
            id="cart-secret"
            type="password"
            autoComplete="off"
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
          />
        </div>
        <p>
          <button type="submit" className="primary big">
            Pair
          </button>
        </p>
      </form>
    </main>
  );
}
