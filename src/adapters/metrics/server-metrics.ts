/**
 * Prometheus metrics for the store server (prom-client), on a registry of its own so several
 * servers in one process (tests) never share counters. Names follow Prometheus conventions:
 * `_total` counters, `_seconds` histograms, base units.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { BasketEvent } from "../../domain/basket/basket.events";

/** The payments counter's label for each exit settlement. */
const EXIT_OUTCOME = {
  paid: "captured",
  review: "held-for-review",
  problem: "failed",
  skipped: "skipped",
} as const;

export class ServerMetrics {
  readonly registry = new Registry();
  /** cart events received and validated (rate() of this is events per second) */
  readonly events: Counter<"outcome">;
  /** MQTT messages/elements refused, by reason (bad-json, bad-event, wrong-topic, app reasons …) */
  readonly rejected: Counter<"reason">;
  /** a settled weight change arriving → the screen update published */
  readonly decisionLatency: Histogram;
  readonly screens: Counter;
  readonly prompts: Counter;
  readonly reviews: Counter<"kind">;
  readonly payments: Counter<"outcome">;
  readonly connectedCarts: Gauge;
  readonly authFailures: Counter<"reason">;
  readonly httpRequests: Counter<"route" | "status">;
  readonly abandoned: Counter<"outcome">;
  /** holds sessions owe a release, as the last retry sweep left them (decision 0112) */
  readonly holdsToRelease: Gauge<"store">;
  /** retried releases of owed holds, by outcome (released, failed) */
  readonly owedReleases: Counter<"outcome">;
  /** MQTT messages taken in and not yet recorded (src/adapters/mqtt/intake-limit.ts) */
  readonly intakeInFlight: Gauge<"unit">;
  readonly intakeWaits: Counter;
  readonly intakeWaitSeconds: Counter;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.events = new Counter({
      name: "skiplane_cart_events_total",
      help: "Cart events received over MQTT, by outcome (accepted, rejected, duplicate)",
      labelNames: ["outcome"],
      registers,
    });
    this.rejected = new Counter({
      name: "skiplane_rejected_messages_total",
      help: "Rejected cart messages or events, by reason",
      labelNames: ["reason"],
      registers,
    });
    this.decisionLatency = new Histogram({
      name: "skiplane_decision_latency_seconds",
      help: "From a message that settled a weight change arriving to its screen update being published, by store",
      labelNames: ["store"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.screens = new Counter({
      name: "skiplane_screen_updates_total",
      help: "Cart screen states published",
      registers,
    });
    this.prompts = new Counter({
      name: "skiplane_prompts_total",
      help: "Questions raised on cart screens",
      registers,
    });
    this.reviews = new Counter({
      name: "skiplane_reviews_total",
      help: "Review cases opened, by kind (uncertain, dispute)",
      labelNames: ["kind"],
      registers,
    });
    this.payments = new Counter({
      name: "skiplane_payments_total",
      help: "Payment steps by outcome (authorized, captured, failed, refunded, released)",
      labelNames: ["outcome"],
      registers,
    });
    this.intakeInFlight = new Gauge({
      name: "skiplane_intake_in_flight",
      help: "MQTT messages (carts' and devices') taken in and not yet recorded, by unit (messages, bytes)",
      labelNames: ["unit"],
      registers,
      // read from the limiter when scraped, not set on every message taken in and released
      collect: () => {
        const load = this.intakeSource?.load;
        if (!load) return;
        this.intakeInFlight.set({ unit: "messages" }, load.messages);
        this.intakeInFlight.set({ unit: "bytes" }, load.bytes);
      },
    });
    this.intakeWaits = new Counter({
      name: "skiplane_intake_waits_total",
      help: "MQTT messages that waited for room under the in-flight limit (intake paused, nothing dropped)",
      registers,
    });
    this.intakeWaitSeconds = new Counter({
      name: "skiplane_intake_wait_seconds_total",
      help: "Seconds MQTT messages waited for room under the in-flight limit, summed",
      registers,
    });
    this.connectedCarts = new Gauge({
      name: "skiplane_connected_carts",
      help: "Carts connected to the embedded broker",
      registers,
    });
    this.authFailures = new Counter({
      name: "skiplane_auth_failures_total",
      help: "Refused MQTT connections, publishes, subscriptions and API calls, by reason",
      labelNames: ["reason"],
      registers,
    });
    this.httpRequests = new Counter({
      name: "skiplane_http_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["route", "status"],
      registers,
    });
    this.abandoned = new Counter({
      name: "skiplane_abandoned_sessions_total",
      help: "Sessions whose cart went silent, ended by the store (decision 0108), by outcome (review, cancelled)",
      labelNames: ["outcome"],
      registers,
    });
    this.holdsToRelease = new Gauge({
      name: "skiplane_holds_to_release",
      help: "Holds sessions placed, will not capture, and whose release the provider has not confirmed yet, by store (decision 0112; retried by the server)",
      labelNames: ["store"],
      registers,
    });
    this.owedReleases = new Counter({
      name: "skiplane_owed_hold_releases_total",
      help: "Retried releases of holds a session owes (decision 0112), by outcome (released, failed)",
      labelNames: ["outcome"],
      registers,
    });
    if (options.defaultMetrics !== false)
      collectDefaultMetrics({ register: this.registry, prefix: "skiplane_" });
  }

  /** Counts what a batch of basket events means for the dashboard's counters. */
  observeBasketEvents(events: readonly BasketEvent[]): void {
    for (const e of events) {
      switch (e.type) {
        case "PromptRaised":
          this.prompts.inc();
          break;
        case "ReviewRequested":
          this.reviews.inc({ kind: e.kind });
          break;
        case "PaymentAuthorized":
          this.payments.inc({ outcome: "authorized" });
          break;
        case "PaymentCaptured":
          this.payments.inc({ outcome: "captured" });
          break;
        case "PaymentFailed":
          this.payments.inc({ outcome: "failed" });
          break;
        case "PaymentRefunded":
          this.payments.inc({ outcome: "refunded" });
          break;
        case "HoldReleased":
          this.payments.inc({ outcome: "released" });
          break;
        default:
          break;
      }
    }
  }

  /** Counts how a session's exit settled (cart or walk-out): by the payment's result. */
  observeExit(status: "paid" | "review" | "problem" | "skipped"): void {
    this.payments.inc({ outcome: EXIT_OUTCOME[status] });
  }

  /**
   * One sweep of owed hold releases over `stores` (decision 0112): what it released, what
   * failed, and how many holds are still owed per store (every owed hold is tried each sweep).
   */
  observeOwedReleases(
    stores: readonly string[],
    results: readonly { store: string; released: string[]; failed: unknown[] }[],
  ): void {
    const owed = new Map(stores.map((s) => [s, 0]));
    for (const r of results) {
      if (r.released.length > 0) this.owedReleases.inc({ outcome: "released" }, r.released.length);
      if (r.failed.length > 0) this.owedReleases.inc({ outcome: "failed" }, r.failed.length);
      owed.set(r.store, (owed.get(r.store) ?? 0) + r.failed.length);
    }
    for (const [store, n] of owed) this.holdsToRelease.set({ store }, n);
  }

  /** Counts a session the store ended because its cart went silent (decision 0108). */
  observeAbandoned(outcome: "review" | "cancelled"): void {
    this.abandoned.inc({ outcome });
  }

  private intakeSource?: { readonly load: { messages: number; bytes: number } };

  /**
   * The in-flight limit's observer (src/adapters/mqtt/intake-limit.ts): its waits are counted as
   * they happen; its load (`watch`) is read when the metrics are scraped.
   */
  readonly intake = {
    watch: (limit: { readonly load: { messages: number; bytes: number } }): void => {
      this.intakeSource = limit;
    },
    waited: (seconds: number): void => {
      this.intakeWaits.inc();
      this.intakeWaitSeconds.inc(seconds);
    },
  };

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
