/**
 * Staff pages (dashboard, review console) act with an API key (`Authorization: Bearer …`).
 * The key is typed once per browser tab and kept in sessionStorage: it is gone when the tab
 * closes, and it never appears in a URL.
 */
import { type ReactNode, useState } from "react";

const keyName = (store: string) => `skiplane.key.${store}`;

export function useStaffKey(store: string): [string | null, (k: string | null) => void] {
  const [key, setKeyState] = useState<string | null>(() => sessionStorage.getItem(keyName(store)));
  const setKey = (k: string | null) => {
    if (k) sessionStorage.setItem(keyName(store), k);
    else sessionStorage.removeItem(keyName(store));
    setKeyState(k);
  };
  return [key, setKey];
}

export function SignIn(props: {
  title: string;
  store: string;
  onKey: (k: string) => void;
  error?: string | null;
}) {
  const [value, setValue] = useState("");
  return (
    <main className="signin card">
      <h1>{props.title}</h1>
      <p className="muted">Store {props.store}. Sign in with your API key.</p>
      {props.error && (
        <p className="alert" role="alert">
          {props.error}
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) props.onKey(value.trim());
        }}
        style={{ display: "grid", gap: "0.6rem" }}
      >
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}

export function TopBar(props: {
  title: string;
  store: string;
  connected?: boolean;
  onSignOut: () => void;
  children?: ReactNode;
}) {
  return (
    <header className="topbar">
      <h1 style={{ margin: 0, fontSize: "1.15rem" }}>{props.title}</h1>
      <span>Store {props.store}</span>
      <nav aria-label="Screens" style={{ display: "flex", gap: "0.8rem" }}>
        <a href={`/ops/${encodeURIComponent(props.store)}`}>Dashboard</a>
        <a href={`/review/${encodeURIComponent(props.store)}`}>Review</a>
      </nav>
      <span className="spacer" />
      {props.children}
      {props.connected !== undefined && (
        <span>
          <span className={`live-dot${props.connected ? " on" : ""}`} aria-hidden="true" />
          {props.connected ? "Live" : "Reconnecting"}
        </span>
      )}
      <button type="button" onClick={props.onSignOut}>
        Sign out
      </button>
    </header>
  );
}
