/**
 * MQTT keep-alive while mqtt.js is held in a message handler. mqtt.js reads a connection's
 * packets one at a time and reads the next only once the handler of the current one calls back:
 * a message waiting for room under the in-flight limit (intake-limit.ts), or a device message
 * waiting to be recorded, holds everything behind it — the broker's PINGRESP too. mqtt.js then
 * ended the connection after 1.5 × the keep-alive ("Keepalive timeout";
 * test/server/intake-keepalive.int.test.ts: two reconnects in a 7 s pause with a 2 s keep-alive)
 * and the broker redelivered everything unacknowledged. While a handler holds it, this sends the
 * PINGREQs itself (the broker hears from the server and keeps the connection) and holds
 * mqtt.js's keep-alive timer (it reads the answers once the handler calls back). A broker that
 * dies meanwhile is noticed only when the hold ends, or by TCP.
 *
 * One per client (`BlockedKeepAlive.of`), shared by the carts' pipeline and the devices' route.
 * Cheap per message: a hold is a counter; one timer ticks only while something is held.
 */
import type { MqttClient } from "mqtt";

const instances = new WeakMap<MqttClient, BlockedKeepAlive>();

export class BlockedKeepAlive {
  private held = 0;
  /** bumped when the connection closes: holds taken on an older connection no longer count */
  private epoch = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  static of(client: MqttClient): BlockedKeepAlive {
    let k = instances.get(client);
    if (!k) {
      k = new BlockedKeepAlive(client);
      instances.set(client, k);
    }
    return k;
  }

  private constructor(private readonly client: MqttClient) {
    client.on("close", () => {
      this.held = 0;
      this.epoch++;
      this.stop();
    });
  }

  /** mqtt.js is held from now until the returned function is called (once is enough). */
  hold(): () => void {
    const epoch = this.epoch;
    this.held++;
    if (!this.timer) this.start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (epoch === this.epoch && this.held > 0) this.held--;
    };
  }

  private start(): void {
    const seconds = (this.client as unknown as { keepalive?: number }).keepalive ?? 0;
    if (seconds <= 0) return;
    const sendPacket = (this.client as unknown as { _sendPacket(p: object): void })._sendPacket.bind(
      this.client,
    );
    this.timer = setInterval(
      () => {
        if (this.held === 0) return this.stop();
        if (!this.client.connected) return;
        sendPacket({ cmd: "pingreq" });
        this.client.reschedulePing(true);
      },
      Math.max(250, (seconds * 1000) / 2),
    );
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
