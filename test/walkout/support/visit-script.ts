/**
 * A walk-out visit as devices send it (exchange-v1 §1): the gate's `gate.in`, one second plate
 * batches (10 Hz) from the shelf controller for the plates of one shelf with a small deterministic
 * ripple, one unit of `grams` leaving `plate` at `pickAt`, and `gate.out` after the shelf settled.
 * Times are ms after `t0`. Used by the server tests and the browser test.
 */
export interface VisitPlate {
  gondola: number;
  shelf: number;
  plate: number;
  /** load before the pick-up, grams */
  load: number;
}

export interface VisitScript {
  gateIn: object;
  /** one batch per second per plate, in time order */
  plates: object[][];
  gateOut: object;
}

export function visitScript(o: {
  store: string;
  session: string;
  shopper: string;
  t0: number;
  plates: VisitPlate[];
  pick: { plate: VisitPlate; grams: number; atMs: number };
  seconds?: number;
  account?: string;
}): VisitScript {
  const seconds = o.seconds ?? 8;
  const hz = 10;
  const plates: object[][] = [];
  for (let s = 0; s < seconds; s++) {
    const batch: object[] = [];
    for (const p of o.plates) {
      const grams: number[] = [];
      for (let i = 0; i < hz; i++) {
        const t = s * 1000 + i * (1000 / hz);
        const ripple = ((i * 7 + p.plate * 3) % 5) * 0.2 - 0.4;
        const gone = p === o.pick.plate && t >= o.pick.atMs ? o.pick.grams : 0;
        grams.push(Math.round((p.load - gone + ripple) * 10) / 10);
      }
      batch.push({
        v: 1,
        t: o.t0 + s * 1000,
        type: "plate",
        store: o.store,
        gondola: p.gondola,
        shelf: p.shelf,
        plate: p.plate,
        grams,
        hz,
        id: `${o.session}-p${p.gondola}.${p.shelf}.${p.plate}-${s}`,
      });
    }
    plates.push(batch);
  }
  return {
    gateIn: {
      v: 1,
      t: o.t0,
      type: "gate.in",
      store: o.store,
      session: o.session,
      shopper: o.shopper,
      ...(o.account ? { account: o.account } : {}),
      id: `${o.session}-in`,
    },
    plates,
    gateOut: {
      v: 1,
      t: o.t0 + seconds * 1000 + 200,
      type: "gate.out",
      store: o.store,
      shopper: o.shopper,
      id: `${o.session}-out`,
    },
  };
}
