/** The exit lane: charging, paid (with the receipt link), being checked, or a payment problem. */
import { useEffect, useState } from "react";
import type { ScreenState } from "../../api/types";
import { Icon } from "../../components/Icon";
import { money } from "../../format";
import { receiptLinkHideIn, visibleReceiptLink } from "./receipt-link";

/**
 * The receipt link while it may be shown (receipt-link.ts): hidden after a while, and at the
 * server's expiry of the link (`expiresAt`) — a reload does not show a dead link again.
 */
function useReceiptLink(link: string | undefined, expiresAt: number | undefined): string | undefined {
  const [firstShownAt, setFirstShownAt] = useState<number | undefined>(undefined);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!link) return;
    const at = Date.now();
    setFirstShownAt(at);
    setNow(at);
    const id = setTimeout(() => setNow(Date.now()), receiptLinkHideIn(at, at, expiresAt));
    return () => clearTimeout(id);
  }, [link, expiresAt]);
  return visibleReceiptLink(link, firstShownAt, now, expiresAt);
}

export function ExitPanel({ screen }: { screen: ScreenState }) {
  const total = money(screen.total, screen.currency);
  const paid = screen.state === "paid";
  const receipt = useReceiptLink(
    paid ? screen.receipt : undefined,
    paid ? screen.receiptExpiresAt : undefined,
  );
  switch (screen.state) {
    case "charging":
      return (
        <section className="exit" role="status" data-testid="exit">
          <div className="spinner" aria-hidden="true" />
          <h2>Paying {total}…</h2>
          <p>Keep walking — no need to wait.</p>
        </section>
      );
    case "paid":
      return (
        <section className="exit paid" role="status" data-testid="exit">
          <p className="big-icon" aria-hidden="true">
            ✓
          </p>
          <h2>Paid {total}. Thank you!</h2>
          {receipt ? (
            <p>
              Your receipt: <a href={receipt}>open receipt</a>
            </p>
          ) : (
            <p>Your receipt is in the store app.</p>
          )}
        </section>
      );
    case "review":
      return (
        <section className="exit review" role="status" data-testid="exit">
          <p className="big-icon" aria-hidden="true">
            <Icon name="hourglass" size={48} />
          </p>
          <h2>A colleague is checking one item</h2>
          <p>You can leave. We charge {total} or less once it is checked, and send your receipt.</p>
        </section>
      );
    case "problem":
      return (
        <section className="exit problem" role="alert" data-testid="exit">
          <p className="big-icon" aria-hidden="true">
            !
          </p>
          <h2>The payment did not go through</h2>
          <p>Please see a member of staff at the exit.</p>
        </section>
      );
    default:
      return null;
  }
}
