/**
 * What the cart dashboard and the walk-out dashboard share: how they keep their data fresh, the
 * page around it, the figures at the top, the session tables and their cells, and the badge for
 * a session that has left the aisles.
 */
import { type ReactNode, useRef, useState } from "react";
import { ApiError, describeError } from "../../api/http";
import { useLive, usePoll } from "../../api/live";
import { TopBar } from "../../components/Staff";
import { clock, money } from "../../format";

export interface DashboardProps {
  store: string;
  apiKey: string;
  onSignOut: (reason?: string) => void;
}

export interface DashboardFeed<T> {
  data: (T & { loadedAt: number }) | null;
  error: string | null;
  connected: boolean;
}

/**
 * Loads the dashboard's data now, every 10 s and after live updates. Every change of every
 * cart or shopper of the store arrives on the live feed, so a reload waits `minReloadMs` after
 * the previous one; a refused key signs out.
 */
export function useDashboardFeed<T extends object>(
  props: DashboardProps,
  fetch: () => Promise<T>,
  minReloadMs: number,
): DashboardFeed<T> {
  const [data, setData] = useState<(T & { loadedAt: number }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const lastTick = useRef(0);

  const load = async () => {
    try {
      const v = await fetch();
      setData({ ...v, loadedAt: Date.now() });
      setError(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) props.onSignOut(describeError(e));
      else setError(describeError(e));
    }
  };

  const connected = useLive({
    auth: { type: "auth", key: props.apiKey },
    subscribe: [{ type: "subscribe", store: props.store }],
    onMessage: () => {
      const now = Date.now();
      if (now - lastTick.current > minReloadMs) {
        lastTick.current = now;
        setTick((t) => t + 1);
      }
    },
    onUnauthorized: () => props.onSignOut("Your key was not accepted. Sign in again."),
  });
  usePoll(load, 10_000, [props.store, props.apiKey, tick]);
  return { data, error, connected };
}

/** The staff page frame of a dashboard: top bar, the last error, the content. */
export function DashboardPage(props: {
  title: string;
  store: string;
  connected: boolean;
  error: string | null;
  onSignOut: () => void;
  children: ReactNode;
}) {
  return (
    <div className="staff">
      <TopBar
        title={props.title}
        store={props.store}
        connected={props.connected}
        onSignOut={props.onSignOut}
      />
      <main className="page">
        {props.error && (
          <p className="alert" role="alert">
            {props.error}
          </p>
        )}
        {props.children}
      </main>
    </div>
  );
}

export function Kpi(props: { label: string; value: string; testid?: string }) {
  return (
    <div className="card kpi">
      <div className="value" data-testid={props.testid}>
        {props.value}
      </div>
      <div className="label">{props.label}</div>
    </div>
  );
}

export function UpdatedAt({ loadedAt }: { loadedAt?: number }) {
  if (loadedAt === undefined) return null;
  return (
    <p className="muted" style={{ marginTop: "1rem" }}>
      Updated {clock(loadedAt)}
    </p>
  );
}

/** The screen state of a session at or past the exit. */
export function SessionStateBadge({ state }: { state?: string }) {
  if (state === "paid") return <span className="badge ok">Paid</span>;
  if (state === "problem") return <span className="badge bad">Payment problem</span>;
  if (state === "review") return <span className="badge unsure">In review</span>;
  if (state === "idle") return <span className="badge neutral">Cancelled</span>;
  return <span className="badge neutral">Charging</span>;
}

/** A table's header row; a column named in `numeric` is right-aligned like its figures. */
export function TableHead({ columns, numeric = [] }: { columns: string[]; numeric?: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c) => (
          <th key={c} scope="col" className={numeric.includes(c) ? "num" : undefined}>
            {c}
          </th>
        ))}
      </tr>
    </thead>
  );
}

/**
 * A table of sessions under the header `columns`, or the `empty` sentence when there are none;
 * `children` are its rows.
 */
export function SessionTable(props: {
  rows: number;
  empty: string;
  columns: string[];
  numeric?: string[];
  testid?: string;
  children: ReactNode;
}) {
  if (props.rows === 0) return <p className="muted">{props.empty}</p>;
  return (
    <table data-testid={props.testid}>
      <TableHead columns={props.columns} numeric={props.numeric} />
      <tbody>{props.children}</tbody>
    </table>
  );
}

/**
 * The first cell of a session row: the cart or shopper (— when unknown) with the session id
 * under it, or beside it when `inline`; `children` follow (a badge).
 */
export function WhoCell(props: { who?: string; session: string; inline?: boolean; children?: ReactNode }) {
  return (
    <td>
      <strong>{props.who ?? "—"}</strong>
      {props.inline ? (
        <>
          {" "}
          <span className="muted">{props.session}</span>
        </>
      ) : (
        <div className="muted">{props.session}</div>
      )}
      {props.children}
    </td>
  );
}

/** The last cells of an open session's row: its running total, and since when it is open. */
export function TotalSinceCells({ s }: { s: { total: number; currency: string; openedAt: number } }) {
  return (
    <>
      <td className="num">
        <strong>{money(s.total, s.currency)}</strong>
      </td>
      <td>{clock(s.openedAt)}</td>
    </>
  );
}

/** Under a table that lists only the most recently active of what the server counts. */
export function MostRecentNote(props: { shown: number; count: number; what: string; testid: string }) {
  if (props.count <= props.shown) return null;
  return (
    <p className="muted" data-testid={props.testid}>
      The {props.shown} most recently active of {props.count} {props.what}.
    </p>
  );
}

/** One line of "Needs attention": a badge saying what kind, then what happened. */
export function Alert(props: { badge: string; tone: "bad" | "unsure" | "neutral"; children: ReactNode }) {
  return (
    <li>
      <span className={`badge ${props.tone}`}>{props.badge}</span>
      <span>{props.children}</span>
    </li>
  );
}

/** A session whose payment failed at the exit; `who` names the cart or the shopper. */
export function PaymentProblemAlert(props: {
  who: string;
  total: number;
  currency: string;
  session: string;
}) {
  return (
    <Alert badge="Payment" tone="bad">
      {props.who}: payment failed for {money(props.total, props.currency)} ({props.session})
    </Alert>
  );
}

/** The payment problems the server counts beyond those listed by name (`count` of them). */
export function MorePaymentProblemsAlert(props: { count: number }) {
  return (
    <Alert badge="Payment" tone="bad">
      <span data-testid="problems-more">
        {props.count} more payment problem{props.count === 1 ? "" : "s"} not listed
      </span>
    </Alert>
  );
}

/** A provisioned cart or device that is not connected; `what` is "Cart" or "Device". */
export function OfflineAlert(props: { what: string; id: string; label?: string }) {
  return (
    <Alert badge="Offline" tone="neutral">
      {props.what} {props.id}
      {props.label ? ` (${props.label})` : ""} is offline
    </Alert>
  );
}
