import { describe, expect, it } from "vitest";
import type { LivePrincipal } from "../ws/live-hub";
import { parseRevocation, recheckOnRevocation } from "./revocation-bus";

/** A live hub whose rechecks finish when told to; records which principals each one matched. */
function fakeLive(principals: LivePrincipal[]) {
  const calls: LivePrincipal[][] = [];
  const pending: (() => void)[] = [];
  return {
    calls,
    finishAll: async () => {
      for (const done of pending.splice(0)) done();
      await new Promise((r) => setTimeout(r, 0));
    },
    recheck(which: (p: LivePrincipal) => boolean) {
      calls.push(principals.filter(which));
      return new Promise<number>((r) => pending.push(() => r(0)));
    },
  };
}

const cartP = (store: string, cart: string): LivePrincipal =>
  ({ kind: "cart", store, cart }) as LivePrincipal;
const keyP = (keyId: string): LivePrincipal => ({ kind: "staff", keyId }) as LivePrincipal;
const silent = { warn: () => undefined };

describe("revocation bus", () => {
  it("reads only its own topic with a valid body; a head-office key's store segment is *", () => {
    const p = (t: string, b: string) => parseRevocation(t, Buffer.from(b));
    expect(p("skiplane/v1/st-a/revoked", '{"kind":"cart","cart":"c1"}')).toEqual({
      store: "st-a",
      revocation: { kind: "cart", cart: "c1" },
    });
    expect(p("skiplane/v1/*/revoked", '{"kind":"key","id":"key_1"}')?.store).toBe("*");
    expect(p("skiplane/v1/st-a/live", '{"kind":"cart","cart":"c1"}')).toBeUndefined();
    expect(p("skiplane/v1/st-a/revoked", "not json")).toBeUndefined();
    expect(p("skiplane/v1/st-a/revoked", '{"kind":"all"}')).toBeUndefined();
  });

  it("checks the named cart (in its store) or key; a burst for one credential costs two checks, not one per message", async () => {
    const live = fakeLive([cartP("st-a", "c1"), cartP("st-b", "c1"), keyP("key_1"), keyP("key_2")]);
    const forgotten: string[] = [];
    const on = recheckOnRevocation(live, { forget: (c) => forgotten.push(c) }, silent);
    on("st-a", { kind: "cart", cart: "c1" });
    on("*", { kind: "key", id: "key_1" });
    expect(live.calls).toEqual([[cartP("st-a", "c1")], [keyP("key_1")]]);
    for (let i = 0; i < 10; i++) on("st-a", { kind: "cart", cart: "c1" });
    expect(live.calls.length).toBe(2);
    await live.finishAll();
    // the messages that came meanwhile: checked once more, after
    expect(live.calls.length).toBe(3);
    expect(live.calls[2]).toEqual([cartP("st-a", "c1")]);
    await live.finishAll();
    expect(live.calls.length).toBe(3);
    expect(forgotten.length).toBe(11);
  });
});
