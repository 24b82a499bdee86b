/**
 * A simulated cart for the browser tests: a real MQTT client with the cart's credentials that
 * publishes §1 events on its events topic, built like the store-service scenarios' logs — a
 * quiet scale, then per item a camera sighting and the scale settling at the new load.
 */
import mqtt, { type MqttClient } from "mqtt";

export interface SimItem {
  /** grams the item adds (negative: taken out) */
  grams: number;
  dir?: "in" | "out";
  candidates: { sku: string; p: number }[];
}

export class SimCart {
  private n = 0;
  private load = 0;
  t: number;
  private constructor(
    private readonly client: MqttClient,
    readonly store: string,
    readonly cart: string,
    readonly session: string,
  ) {
    // device time runs a minute behind the wall clock, so the cart screen's replies (stamped
    // with the wall clock) come after the sim's events, as on a real cart; see sync()
    this.t = Date.now() - 60_000;
  }

  /** Moves device time past the wall clock: events after a reply from the screen come after it. */
  sync(): void {
    this.t = Math.max(this.t, Date.now() + 50);
  }

  static async connect(
    url: string,
    store: string,
    cart: string,
    secret: string,
    session: string,
  ): Promise<SimCart> {
    const client = await mqtt.connectAsync(url, {
      username: cart,
      password: secret,
      clientId: `${cart}-sim-${Math.random().toString(36).slice(2, 8)}`,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    return new SimCart(client, store, cart, session);
  }

  private base(type: string, extra: Record<string, unknown>) {
    return {
      v: 1,
      t: this.t,
      type,
      store: this.store,
      cart: this.cart,
      id: `${this.session}-e${++this.n}`,
      ...extra,
    };
  }

  private weight(count: number): Record<string, unknown> {
    return this.base("weight", {
      grams: Array.from({ length: count }, (_, i) => this.load + (i % 2 ? 0.4 : -0.4)),
      hz: 20,
    });
  }

  async publish(events: Record<string, unknown>[]): Promise<void> {
    await this.client.publishAsync(
      `skiplane/v1/${this.store}/carts/${this.cart}/events`,
      JSON.stringify(events),
      {
        qos: 1,
      },
    );
  }

  async start(): Promise<void> {
    const start = this.base("session.start", { session: this.session });
    this.t += 100;
    const quiet = this.weight(20);
    this.t += 1000;
    await this.publish([start, quiet]);
  }

  /** One item crossing the rim: the camera sees it, the scale settles 2 s later at the new load. */
  async item(item: SimItem): Promise<void> {
    const vision = this.base("vision", {
      dir: item.dir ?? (item.grams >= 0 ? "in" : "out"),
      candidates: item.candidates,
    });
    this.load += item.grams;
    this.t += 100;
    const settle = this.weight(40);
    this.t += 2000;
    await this.publish([vision, settle]);
  }

  /** Keeps the scale talking (a settled scale needs samples after the change to decide). */
  async idle(ms = 1000): Promise<void> {
    const w = this.weight(Math.max(2, Math.round(ms / 50)));
    this.t += ms;
    await this.publish([w]);
  }

  async end(): Promise<void> {
    this.t += 500;
    await this.publish([this.base("session.end", {})]);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
