/**
 * The operator's view of the store: carts shopping now and their totals, sessions at the exit,
 * what needs a person (payment problems, open reviews, carts offline) and the day's figures
 * by hour. Refreshed on every live update and every 10 s.
 */
import { useState } from "react";
import { ApiError, describeError } from "../../api/http";
import { useLive, usePoll } from "../../api/live";
import { type CartInfo, staffApi } from "../../api/staff";
import type { ReviewCase, Session, StoreStats } from "../../api/types";
import { HourlyChart } from "../../components/Charts";
import { SignIn, TopBar, useStaffKey } from "../../components/Staff";
import { clock, duration, money } from "../../format";

export function OpsDashboard({ store }: { store: string }) {
  const [key, setKey] = useStaffKey(store);
  const [authError, setAuthError] = useState<string | null>(null);
  if (!key) return <SignIn title="Operator dashboard" store={store} onKey={setKey} error={authError} />;
  return (
    <Dashboard
      store={store}
      apiKey={key}
      onSignOut={(reason) => {
        setAuthError(reason ?? null);
        setKey(null);
      }}
    />
  );
}

interface Data {
  sessions: Session[];
  carts: CartInfo[] | null;
  stats: StoreStats | null;
  queue: ReviewCase[];
  loadedAt: number;
}

function Dashboard(props: { store: string; apiKey: string; onSignOut: (reason?: string) => void }) {
  const api = staffApi(props.store, props.apiKey);
  const [data, setData] = useState<Data | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  const load = async () => {
    try {
      const optional = <T,>(p: Promise<T>) =>
        p.catch((e) => {
          if (e instanceof ApiError && (e.status === 401 || e.status === 403)) throw e;
          return null;
        });
      const [sessions, carts, stats, queue] = await Promise.all([
        api.sessions({ limit: 200 }),
        optional(api.carts()),
        optional(api.stats()),
        optional(api.queue()),
      ]);
      setData({ sessions, carts, stats, queue: queue ?? [], loadedAt: Date.now() });
      setError(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) props.onSignOut(describeError(e));
      else setError(describeError(e));
    }
  };

  const connected = useLive({
    subscribe: [{ type: "subscribe", topic: "store", store: props.store, key: props.apiKey }],
    onMessage: () => setTick((t) => t + 1),
  });
  usePoll(load, 10_000, [props.store, props.apiKey, tick]);

  const sessions = data?.sessions ?? [];
  const active = sessions.filter((s) => s.open);
  const atExit = sessions.filter(
    (s) => !s.open && ["charging", "review", "problem"].includes(s.screen?.state),
  );
  const problems = sessions.filter((s) => s.screen?.state === "problem");
  const offline = (data?.carts ?? []).filter((c) => !c.revoked && c.online === false);
  const currency = data?.stats?.currency ?? sessions[0]?.currency ?? "USD";
  const stats = data?.stats;
  const hourly = stats?.hourly ?? [];
  const oldestReview = data?.queue.reduce((m, c) => Math.min(m, c.openedAt), Number.POSITIVE_INFINITY);

  return (
    <div className="staff">
      <TopBar
        title="Operator dashboard"
        store={props.store}
        connected={connected}
        onSignOut={() => props.onSignOut()}
      />
      <main className="page">
        {error && (
          <p className="alert" role="alert">
            {error}
          </p>
        )}
        <section className="kpis" aria-label="Now">
          <Kpi label="Carts shopping" value={String(active.length)} testid="kpi-active" />
          <Kpi label="At the exit" value={String(atExit.length)} />
          <Kpi label="Open reviews" value={String(data?.queue.length ?? 0)} testid="kpi-reviews" />
          <Kpi label="Sessions today" value={stats ? String(stats.sessions) : "—"} />
          <Kpi label="Average basket" value={stats ? money(stats.averageBasket, currency) : "—"} />
          <Kpi
            label="Reviews per 1,000"
            value={
              stats && stats.sessions > 0 ? String(Math.round((stats.reviews / stats.sessions) * 1000)) : "—"
            }
          />
        </section>

        <div className="grid-2">
          <section className="card" aria-labelledby="active-h">
            <h2 id="active-h">Carts shopping</h2>
            {active.length === 0 ? (
              <p className="muted">No cart is shopping right now.</p>
            ) : (
              <table data-testid="active-carts">
                <thead>
                  <tr>
                    <th scope="col">Cart</th>
                    <th scope="col">Items</th>
                    <th scope="col">Unsure</th>
                    <th scope="col">Waiting on</th>
                    <th scope="col" className="num">
                      Total
                    </th>
                    <th scope="col">Since</th>
                  </tr>
                </thead>
                <tbody>
                  {active.map((s) => {
                    const unsure = s.screen?.lines.filter((l) => l.status === "unsure").length ?? 0;
                    return (
                      <tr key={s.session}>
                        <td>
                          <strong>{s.cart ?? "—"}</strong>
                          <div className="muted">{s.session}</div>
                        </td>
                        <td className="num">{s.screen?.lines.reduce((n, l) => n + (l.qty ?? 1), 0) ?? 0}</td>
                        <td>
                          {unsure > 0 ? (
                            <span className="badge unsure">{unsure} unsure</span>
                          ) : (
                            <span className="badge ok">all ok</span>
                          )}
                        </td>
                        <td>{s.screen?.prompt ? s.screen.prompt.text : <span className="muted">—</span>}</td>
                        <td className="num">
                          <strong>{money(s.total, s.currency)}</strong>
                        </td>
                        <td>{clock(s.openedAt)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
            <h2 style={{ marginTop: "1rem" }}>At the exit</h2>
            {atExit.length === 0 ? (
              <p className="muted">Nobody is at the exit.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Cart</th>
                    <th scope="col">State</th>
                    <th scope="col" className="num">
                      Total
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {atExit.map((s) => (
                    <tr key={s.session}>
                      <td>
                        <strong>{s.cart ?? "—"}</strong> <span className="muted">{s.session}</span>
                      </td>
                      <td>
                        <ExitBadge state={s.screen?.state} />
                      </td>
                      <td className="num">{money(s.total, s.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>

          <section className="card" aria-labelledby="alerts-h">
            <h2 id="alerts-h">Needs attention</h2>
            <ul className="alerts" data-testid="alerts">
              {problems.map((s) => (
                <li key={`p-${s.session}`}>
                  <span className="badge bad">Payment</span>
                  <span>
                    Cart {s.cart ?? "?"}: payment failed for {money(s.total, s.currency)} ({s.session})
                  </span>
                </li>
              ))}
              {(data?.queue.length ?? 0) > 0 && (
                <li>
                  <span className="badge unsure">Review</span>
                  <span>
                    {data?.queue.length} open case{data?.queue.length === 1 ? "" : "s"}, oldest waiting{" "}
                    {duration(Date.now() - (oldestReview ?? Date.now()))} —{" "}
                    <a href={`/review/${encodeURIComponent(props.store)}`}>open the review console</a>
                  </span>
                </li>
              )}
              {offline.map((c) => (
                <li key={`o-${c.cart}`}>
                  <span className="badge neutral">Offline</span>
                  <span>
                    Cart {c.cart}
                    {c.label ? ` (${c.label})` : ""} is offline
                    {c.lastSeen ? `, last seen ${clock(c.lastSeen)}` : ""}
                  </span>
                </li>
              ))}
              {problems.length === 0 && (data?.queue.length ?? 0) === 0 && offline.length === 0 && (
                <li className="muted">Nothing needs attention.</li>
              )}
            </ul>
            {data && (
              <p className="muted" style={{ marginTop: "1rem" }}>
                Updated {clock(data.loadedAt)}
              </p>
            )}
          </section>
        </div>

        <section aria-labelledby="day-h">
          <h2 id="day-h">Today</h2>
          <div className="charts">
            <HourlyChart
              title="Sessions"
              kind="bar"
              points={hourly.map((h) => ({ x: h.hour, y: h.sessions }))}
              format={(y) => String(Math.round(y))}
              headline={stats?.sessions}
            />
            <HourlyChart
              title="Prompts per session"
              kind="line"
              points={hourly
                .filter((h) => h.sessions > 0)
                .map((h) => ({ x: h.hour, y: h.prompts / h.sessions }))}
              format={(y) => y.toFixed(1)}
              headline={stats && stats.sessions > 0 ? (stats.prompts / stats.sessions).toFixed(2) : "—"}
            />
            <HourlyChart
              title="Reviews per 1,000 sessions"
              kind="line"
              points={hourly
                .filter((h) => h.sessions > 0)
                .map((h) => ({ x: h.hour, y: (h.reviews / h.sessions) * 1000 }))}
              format={(y) => String(Math.round(y))}
              headline={
                stats && stats.sessions > 0 ? Math.round((stats.reviews / stats.sessions) * 1000) : "—"
              }
            />
            <HourlyChart
              title="Average basket"
              kind="line"
              points={hourly
                .filter((h) => h.averageBasket !== undefined && h.sessions > 0)
                .map((h) => ({ x: h.hour, y: h.averageBasket ?? 0 }))}
              format={(y) => money(Math.round(y), currency)}
              headline={stats ? money(stats.averageBasket, currency) : "—"}
            />
            <HourlyChart
              title="Decision latency p50 (ms)"
              kind="line"
              points={hourly
                .filter((h) => h.latencyP50 !== undefined)
                .map((h) => ({ x: h.hour, y: h.latencyP50 ?? 0 }))}
              format={(y) => y.toFixed(y < 10 ? 1 : 0)}
              headline={
                stats?.decisionLatencyMs
                  ? `p50 ${stats.decisionLatencyMs.p50.toFixed(1)} · p95 ${stats.decisionLatencyMs.p95.toFixed(1)} ms`
                  : "—"
              }
            />
          </div>
        </section>
      </main>
    </div>
  );
}

function Kpi(props: { label: string; value: string; testid?: string }) {
  return (
    <div className="card kpi">
      <div className="value" data-testid={props.testid}>
        {props.value}
      </div>
      <div className="label">{props.label}</div>
    </div>
  );
}

function ExitBadge({ state }: { state?: string }) {
  if (state === "problem") return <span className="badge bad">Payment problem</span>;
  if (state === "review") return <span className="badge unsure">In review</span>;
  return <span className="badge neutral">Charging</span>;
}
