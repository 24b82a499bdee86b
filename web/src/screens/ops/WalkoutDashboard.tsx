/**
 * The operator's view of a walk-out store: the shoppers inside (their visit, the anonymous track
 * id the cameras follow, the running basket with every unsure line marked, open reviews), the
 * ones who just left (paid, held for review, payment problem — with the receipt), what needs a
 * person, and the store's devices. Same live feed and 10 s poll as the cart dashboard.
 */
import type { Shopper } from "../../api/walkout";
import { grams, money } from "../../format";
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
import { loadWalkoutDashboard, type WalkoutDashboardData, walkoutFigures } from "./dashboard-data";

export function WalkoutDashboard(props: DashboardProps) {
  // every basket change of every shopper arrives live: reload at most twice a second
  const { data, error, connected } = useDashboardFeed<WalkoutDashboardData>(
    props,
    () => loadWalkoutDashboard(props.store, props.apiKey),
    500,
  );

  const shoppers = data?.shoppers ?? [];
  const left = shoppers.filter((s) => !s.inside);
  // counted by the server (/stats); the rows are the ones the view lists
  const { inside, insideCount, inBaskets, problems, problemCount, reviews, reviewCount } =
    walkoutFigures(data);
  const devices = data?.devices ?? [];
  const offline = devices.filter((d) => !d.revoked && !d.online);
  const currency = shoppers[0]?.currency ?? data?.stats?.currency ?? "USD";

  return (
    <DashboardPage
      title="Operator dashboard — walk-out store"
      store={props.store}
      connected={connected}
      error={error}
      onSignOut={() => props.onSignOut()}
    >
      <section className="kpis" aria-label="Now">
        <Kpi label="Shoppers inside" value={String(insideCount)} testid="kpi-inside" />
        <Kpi label="In their baskets" value={money(inBaskets, currency)} testid="kpi-baskets" />
        <Kpi label="Open reviews" value={String(reviewCount)} testid="kpi-reviews" />
        <Kpi label="Left recently" value={String(left.length)} />
        <Kpi
          label="Devices online"
          value={devices.length ? `${devices.length - offline.length} / ${devices.length}` : "—"}
        />
      </section>

      <div className="grid-2">
        <section className="card" aria-labelledby="inside-h">
          <h2 id="inside-h">Shoppers in the store</h2>
          <SessionTable
            rows={inside.length}
            empty="Nobody is in the store right now."
            testid="shoppers-inside"
            columns={["Shopper", "Basket", "Total", "Since"]}
            numeric={["Total"]}
          >
            {inside.map((s) => (
              <tr key={s.session} data-testid={`shopper-${s.shopper ?? s.session}`}>
                <WhoCell who={s.shopper} session={s.session}>
                  {s.reviews.some((r) => r.status === "open") && <span className="badge unsure">review</span>}
                </WhoCell>
                <td>
                  <Basket shopper={s} />
                </td>
                <TotalSinceCells s={s} />
              </tr>
            ))}
          </SessionTable>
          <MostRecentNote
            shown={inside.length}
            count={insideCount}
            what="shoppers inside"
            testid="inside-more"
          />
          <h2 style={{ marginTop: "1rem" }}>Left the store</h2>
          <SessionTable
            rows={left.length}
            empty="Nobody has left yet."
            testid="shoppers-left"
            columns={["Shopper", "State", "Total", "Receipt"]}
            numeric={["Total"]}
          >
            {left.map((s) => (
              <tr key={s.session} data-testid={`left-${s.shopper ?? s.session}`}>
                <WhoCell who={s.shopper} session={s.session} inline />
                <td>
                  <SessionStateBadge state={s.screenState} />
                </td>
                <td className="num">{money(s.total, s.currency)}</td>
                <td>
                  {s.receiptLink ? <a href={s.receiptLink}>Receipt</a> : <span className="muted">—</span>}
                </td>
              </tr>
            ))}
          </SessionTable>
        </section>

        <section className="card" aria-labelledby="alerts-h">
          <h2 id="alerts-h">Needs attention</h2>
          <ul className="alerts" data-testid="alerts">
            {problems.map((s) => (
              <PaymentProblemAlert
                key={`p-${s.session}`}
                who={`Shopper ${s.shopper ?? "?"}`}
                total={s.total}
                currency={s.currency}
                session={s.session}
              />
            ))}
            {reviews.map(({ s, r }) => (
              <Alert key={`r-${r.caseId}`} badge="Review" tone="unsure">
                {s.shopper ?? s.session}: {r.reason} —{" "}
                <a href={`/review/${encodeURIComponent(props.store)}/${encodeURIComponent(r.caseId)}`}>
                  open the case
                </a>
              </Alert>
            ))}
            {problemCount > problems.length && (
              <MorePaymentProblemsAlert count={problemCount - problems.length} />
            )}
            {reviewCount > reviews.length && (
              <Alert badge="Review" tone="unsure">
                <span data-testid="reviews-more">
                  {reviewCount - reviews.length} more open case{reviewCount - reviews.length === 1 ? "" : "s"}
                </span>{" "}
                — <a href={`/review/${encodeURIComponent(props.store)}`}>open the review console</a>
              </Alert>
            )}
            {offline.map((d) => (
              <OfflineAlert key={`o-${d.device}`} what="Device" id={d.device} label={d.label} />
            ))}
            {problemCount === 0 && reviewCount === 0 && offline.length === 0 && (
              <li className="muted">Nothing needs attention.</li>
            )}
          </ul>
          <h2 style={{ marginTop: "1rem" }}>Devices</h2>
          {devices.length === 0 ? (
            <p className="muted">No device is provisioned.</p>
          ) : (
            <ul className="alerts" data-testid="devices">
              {devices.map((d) => (
                <li key={d.device}>
                  <span className={`badge ${d.revoked ? "bad" : d.online ? "ok" : "neutral"}`}>
                    {d.revoked ? "Revoked" : d.online ? "Online" : "Offline"}
                  </span>
                  <span>
                    {d.device}
                    {d.label ? ` — ${d.label}` : ""}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <UpdatedAt loadedAt={data?.loadedAt} />
        </section>
      </div>
    </DashboardPage>
  );
}

function Basket({ shopper }: { shopper: Shopper }) {
  if (shopper.lines.length === 0) return <span className="muted">empty</span>;
  return (
    <ul className="basket-lines" style={{ margin: 0, paddingLeft: "1rem" }}>
      {shopper.lines.map((l) => (
        <li key={`${l.sku}-${l.status}-${l.grams ?? l.qty}`}>
          {l.grams !== undefined ? grams(l.grams) : `${l.qty ?? 1} ×`} {l.name}{" "}
          {l.status === "unsure" ? (
            <span className="badge unsure">unsure</span>
          ) : (
            <span className="badge ok">ok</span>
          )}
        </li>
      ))}
    </ul>
  );
}
