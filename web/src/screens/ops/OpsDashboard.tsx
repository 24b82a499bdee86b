/**
 * The operator's view of the store: carts shopping now and their totals, sessions at the exit,
 * what needs a person (payment problems, open reviews, carts offline) and the day's figures
 * by hour. Refreshed on every live update and every 10 s.
 */
import { useEffect, useState } from "react";
import { ApiError, describeError } from "../../api/http";
import { staffApi } from "../../api/staff";
import type { DayFigures } from "../../api/types";
import { storeKind } from "../../api/walkout";
import { HourlyChart } from "../../components/Charts";
import { SignIn, useStaffKey } from "../../components/Staff";
import { duration, money } from "../../format";
import {
  Alert,
  DashboardPage,
  type DashboardProps,
  Kpi,
  MorePaymentProblemsAlert,
  MostRecentNote,
  OfflineAlert,
  PaymentProblemAlert,
  SessionStateBadge,
  SessionTable,
  TotalSinceCells,
  UpdatedAt,
  useDashboardFeed,
  WhoCell,
} from "./DashboardParts";
import { exitFigures, loadDashboard, openReviewFigures, shoppingCount } from "./dashboard-data";
import { WalkoutDashboard } from "./WalkoutDashboard";

export function OpsDashboard({ store }: { store: string }) {
  const [key, setKey] = useStaffKey(store);
  const [authError, setAuthError] = useState<string | null>(null);
  if (!key) return <SignIn title="Operator dashboard" store={store} onKey={setKey} error={authError} />;
  return (
    <ForKind
      store={store}
      apiKey={key}
      onSignOut={(reason) => {
        setAuthError(reason ?? null);
        setKey(null);
      }}
    />
  );
}

/** A walk-out store shows shoppers in the store; a cart store, its carts. */
function ForKind(props: DashboardProps) {
  const [kind, setKind] = useState<"walkout" | "carts" | null>(null);
  const { store, apiKey, onSignOut } = props;
  useEffect(() => {
    let live = true;
    storeKind(store, apiKey).then(
      (k) => live && setKind(k),
      (e) => {
        if (!live) return;
        if (e instanceof ApiError && e.status === 401) onSignOut(describeError(e));
        else setKind("carts"); // the cart dashboard shows the error and keeps retrying
      },
    );
    return () => {
      live = false;
    };
  }, [store, apiKey, onSignOut]);
  if (kind === null) return <p className="muted page">Loading…</p>;
  return kind === "walkout" ? <WalkoutDashboard {...props} /> : <Dashboard {...props} />;
}

function Dashboard(props: DashboardProps) {
  const api = staffApi(props.store, props.apiKey);
  const fetchData = () => loadDashboard(api);
  // every screen change of every cart arrives live: reload at most once a second
  const { data, error, connected } = useDashboardFeed(props, fetchData, 1000);

  const sessions = data?.sessions ?? [];
  const active = sessions.filter((s) => s.open);
  const shopping = shoppingCount(data);
  // counted by the server; the rows are the listed ones and every payment problem
  const { atExit, atExitCount, problems, problemCount } = exitFigures(data);
  const offline = (data?.carts ?? []).filter((c) => !c.revoked && !c.online);
  const currency = data?.stats?.currency ?? data?.day?.currency ?? sessions[0]?.currency ?? "USD";
  const stats = data?.stats;
  const day = data?.day;
  const hourly = day?.hourly ?? [];
  const { open: openReviews, oldestAt: oldestReview } = openReviewFigures(stats);
  const perThousand = (n: number, d: number) => (d > 0 ? String(Math.round((n / d) * 1000)) : "—");
  const latency = day?.decisionLatency;

  return (
    <DashboardPage
      title="Operator dashboard"
      store={props.store}
      connected={connected}
      error={error}
      onSignOut={() => props.onSignOut()}
    >
      <section className="kpis" aria-label="Now">
        <Kpi label="Carts shopping" value={String(shopping)} testid="kpi-active" />
        <Kpi label="At the exit" value={String(atExitCount)} testid="kpi-exit" />
        <Kpi label="Open reviews" value={String(openReviews)} testid="kpi-reviews" />
        <Kpi label="Sessions today" value={day ? String(day.sessions) : "—"} />
        <Kpi label="Taken today" value={stats ? money(stats.revenueToday, currency) : "—"} />
        <Kpi label="Carts online" value={stats ? `${stats.cartsOnline} / ${stats.cartsProvisioned}` : "—"} />
      </section>

      <div className="grid-2">
        <section className="card" aria-labelledby="active-h">
          <h2 id="active-h">Carts shopping</h2>
          <SessionTable
            rows={active.length}
            empty="No cart is shopping right now."
            testid="active-carts"
            columns={["Cart", "Items", "Unsure", "Waiting on", "Total", "Since"]}
            numeric={["Total"]}
          >
            {active.map((s) => {
              const unsure = s.screen?.lines.filter((l) => l.status === "unsure").length ?? 0;
              return (
                <tr key={s.session}>
                  <WhoCell who={s.cart} session={s.session} />
                  <td className="num">{s.screen?.lines.reduce((n, l) => n + (l.qty ?? 1), 0) ?? 0}</td>
                  <td>
                    {unsure > 0 ? (
                      <span className="badge unsure">{unsure} unsure</span>
                    ) : (
                      <span className="badge ok">all ok</span>
                    )}
                  </td>
                  <td>{s.screen?.prompt ? s.screen.prompt.text : <span className="muted">—</span>}</td>
                  <TotalSinceCells s={s} />
                </tr>
              );
            })}
          </SessionTable>
          <MostRecentNote shown={active.length} count={shopping} what="carts shopping" testid="active-more" />
          <h2 style={{ marginTop: "1rem" }}>At the exit</h2>
          <SessionTable
            rows={atExit.length}
            empty="Nobody is at the exit."
            columns={["Cart", "State", "Total"]}
            numeric={["Total"]}
          >
            {atExit.map((s) => (
              <tr key={s.session}>
                <WhoCell who={s.cart} session={s.session} inline />
                <td>
                  <SessionStateBadge state={s.screen?.state} />
                </td>
                <td className="num">{money(s.total, s.currency)}</td>
              </tr>
            ))}
          </SessionTable>
          {atExitCount > atExit.length && (
            <p className="muted" data-testid="exit-more">
              {atExit.length} of {atExitCount} at the exit shown: the most recently active and every payment
              problem.
            </p>
          )}
        </section>

        <section className="card" aria-labelledby="alerts-h">
          <h2 id="alerts-h">Needs attention</h2>
          <ul className="alerts" data-testid="alerts">
            {problems.map((s) => (
              <PaymentProblemAlert
                key={`p-${s.session}`}
                who={`Cart ${s.cart ?? "?"}`}
                total={s.total}
                currency={s.currency}
                session={s.session}
              />
            ))}
            {problemCount > problems.length && (
              <MorePaymentProblemsAlert count={problemCount - problems.length} />
            )}
            {openReviews > 0 && (
              <Alert badge="Review" tone="unsure">
                {openReviews} open case{openReviews === 1 ? "" : "s"}
                {oldestReview !== undefined && Number.isFinite(oldestReview)
                  ? `, oldest waiting ${duration(Date.now() - oldestReview)}`
                  : ""}{" "}
                — <a href={`/review/${encodeURIComponent(props.store)}`}>open the review console</a>
              </Alert>
            )}
            {offline.map((c) => (
              <OfflineAlert key={`o-${c.cart}`} what="Cart" id={c.cart} label={c.label} />
            ))}
            {problemCount === 0 && openReviews === 0 && offline.length === 0 && (
              <li className="muted">Nothing needs attention.</li>
            )}
          </ul>
          <UpdatedAt loadedAt={data?.loadedAt} />
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
            unit={1}
            headline={day?.sessions ?? "—"}
          />
          <HourlyChart
            title="Prompts per session"
            kind="line"
            points={hourly.filter((h) => h.settled > 0).map((h) => ({ x: h.hour, y: h.prompts / h.settled }))}
            format={(y) => y.toFixed(1)}
            unit={0.1}
            headline={day && day.settled > 0 ? (day.prompts / day.settled).toFixed(2) : "—"}
          />
          <HourlyChart
            title="Reviews per 1,000 sessions"
            kind="line"
            points={hourly
              .filter((h) => h.settled > 0)
              .map((h) => ({ x: h.hour, y: (h.reviews / h.settled) * 1000 }))}
            format={(y) => String(Math.round(y))}
            unit={1}
            headline={day ? perThousand(day.reviews, day.settled) : "—"}
          />
          <HourlyChart
            title="Average basket"
            kind="line"
            points={hourly
              .filter((h) => h.averageBasket !== undefined)
              .map((h) => ({ x: h.hour, y: h.averageBasket ?? 0 }))}
            format={(y) => money(Math.round(y), currency)}
            unit={100}
            headline={day && day.settled > 0 ? money(day.averageBasket, currency) : "—"}
          />
          <LatencyChart latency={latency} />
        </div>
      </section>
    </DashboardPage>
  );
}

/** Decision latency since the server started: how many decisions fell in each bucket. */
function LatencyChart({ latency }: { latency?: DayFigures["decisionLatency"] }) {
  const buckets = (latency?.buckets ?? []).filter((b) => b.leMs !== null);
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const W = 320;
  const H = 130;
  const bw = (W - 20) / Math.max(1, buckets.length);
  const headline =
    latency?.p50 !== undefined
      ? `p50 ${latency.p50.toFixed(1)} · p95 ${(latency.p95 ?? 0).toFixed(1)} ms`
      : "—";
  return (
    <figure className="card chart" style={{ margin: 0 }}>
      <figcaption style={{ display: "flex", justifyContent: "space-between", alignItems: "baseline" }}>
        <h3 id="lat-h">Decision latency</h3>
        <strong className="num">{headline}</strong>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="lat-h" aria-describedby="lat-d">
        <desc id="lat-d">
          {latency?.count
            ? `${latency.count} decisions: ${buckets.map((b) => `${b.count} within ${b.leMs} ms`).join(", ")}`
            : "no decisions yet"}
        </desc>
        {buckets.map((b, i) => {
          const h = ((H - 30) * b.count) / max;
          return (
            <g key={b.leMs}>
              <rect x={10 + i * bw + 2} y={H - 18 - h} width={bw - 4} height={h} fill="#0b57d0" />
              <text x={10 + i * bw + bw / 2} y={H - 5} fontSize={9} textAnchor="middle" fill="#49515a">
                {(b.leMs ?? 0) < 1 ? (b.leMs ?? 0).toFixed(1) : Math.round(b.leMs ?? 0)}
              </text>
            </g>
          );
        })}
        {!latency?.count && (
          <text x={W / 2} y={H / 2} textAnchor="middle" fontSize={12} fill="#49515a">
            no decisions yet
          </text>
        )}
      </svg>
      <p className="muted" style={{ margin: 0, fontSize: "0.8rem" }}>
        ms from the settling sensor message to the screen update, since the server started
      </p>
    </figure>
  );
}
