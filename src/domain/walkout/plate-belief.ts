/**
 * What we believe is on each plate: the planogram's skus, plus items we saw put back on a plate
 * that is not their home ("foreign" items, with a count). A wrong-plate put-back adds one here,
 * so the next pick-up from that plate can be identified as that item; a pick-up identified as a
 * foreign item takes it away again. A put-back whose product was in doubt leaves a "doubtful"
 * item: any of the products it may be, each as likely as the put-back found it, so a later pick-up
 * there is weighed against all of them — and what is seen then is more evidence about that one
 * item (`doubtOn`).
 * Pure data, no I/O.
 */
import type { StoreLayout } from "../events/sensor-events";

export const shelfKey = (gondola: number, shelf: number) => `${gondola}/${shelf}`;
export const plateKey = (gondola: number, shelf: number, plate: number) => `${gondola}/${shelf}/${plate}`;

export interface PlatePosition {
  x: number;
  y: number;
  z: number;
}

/** one item put back whose product was in doubt */
export interface DoubtfulItem {
  /** the products it may be */
  skus: string[];
  /** how likely each was when it was put back (same order as `skus`) */
  p: number[];
  /** the put-back it came from (the caller's reference) */
  ref?: string;
}

export class PlateBelief {
  private readonly home = new Map<string, string[]>();
  private readonly foreign = new Map<string, Map<string, number>>();
  /** items put back whose product was in doubt: one entry per item, the products it may be */
  private readonly doubtful = new Map<string, DoubtfulItem[]>();
  private readonly positions = new Map<string, PlatePosition>();
  private readonly shelves = new Map<string, number[]>();

  constructor(layout: StoreLayout) {
    for (const p of layout.plates) {
      const k = plateKey(p.gondola, p.shelf, p.plate);
      this.home.set(k, [...p.skus]);
      this.positions.set(k, { x: p.x, y: p.y, z: p.z });
      const s = shelfKey(p.gondola, p.shelf);
      const list = this.shelves.get(s) ?? [];
      if (!list.includes(p.plate)) list.push(p.plate);
      list.sort((a, b) => a - b);
      this.shelves.set(s, list);
    }
  }

  platesOf(gondola: number, shelf: number): number[] {
    return this.shelves.get(shelfKey(gondola, shelf)) ?? [];
  }

  hasPlate(gondola: number, shelf: number, plate: number): boolean {
    return this.home.has(plateKey(gondola, shelf, plate));
  }

  position(gondola: number, shelf: number, plate: number): PlatePosition | undefined {
    return this.positions.get(plateKey(gondola, shelf, plate));
  }

  /** distance (m) from a point to the nearest plate centre */
  nearestPlate(at: PlatePosition): number {
    let best = Number.POSITIVE_INFINITY;
    for (const p of this.positions.values()) {
      const d = Math.hypot(p.x - at.x, p.y - at.y, p.z - at.z);
      if (d < best) best = d;
    }
    return best;
  }

  homeSkus(gondola: number, shelf: number, plate: number): readonly string[] {
    return this.home.get(plateKey(gondola, shelf, plate)) ?? [];
  }

  /** skus believed on a plate: home skus and foreign items still there */
  skusOn(gondola: number, shelf: number, plate: number): string[] {
    const k = plateKey(gondola, shelf, plate);
    const out = [...(this.home.get(k) ?? [])];
    for (const [sku, n] of this.foreign.get(k) ?? []) if (n > 0 && !out.includes(sku)) out.push(sku);
    for (const d of this.doubtful.get(k) ?? [])
      for (const sku of d.skus) if (!out.includes(sku)) out.push(sku);
    return out;
  }

  /**
   * Items in doubt on these plates, by product: how likely each product is, summed over the items
   * that may be it (as their put-backs found them). Products that are at home on one of the
   * plates, or lie there as a foreign item put back surely, are left out: they are there anyway.
   */
  doubtOn(gondola: number, shelf: number, plates: number[]): { sku: string; items: DoubtfulItem[] }[] {
    const out = new Map<string, DoubtfulItem[]>();
    const anyway = (sku: string) =>
      plates.some(
        (p) => this.isHome(gondola, shelf, p, sku) || this.foreignCount(gondola, shelf, p, sku) > 0,
      );
    for (const p of plates)
      for (const d of this.doubtful.get(plateKey(gondola, shelf, p)) ?? [])
        for (const sku of d.skus) if (!anyway(sku)) out.set(sku, [...(out.get(sku) ?? []), d]);
    return [...out].map(([sku, items]) => ({ sku, items }));
  }

  foreignCount(gondola: number, shelf: number, plate: number, sku: string): number {
    return this.foreign.get(plateKey(gondola, shelf, plate))?.get(sku) ?? 0;
  }

  isHome(gondola: number, shelf: number, plate: number, sku: string): boolean {
    return (this.home.get(plateKey(gondola, shelf, plate)) ?? []).includes(sku);
  }

  /** a put-back of `qty` × sku on a plate that is not its home */
  addForeign(gondola: number, shelf: number, plate: number, sku: string, qty: number): void {
    const k = plateKey(gondola, shelf, plate);
    const m = this.foreign.get(k) ?? new Map<string, number>();
    m.set(sku, (m.get(sku) ?? 0) + qty);
    this.foreign.set(k, m);
  }

  /**
   * a put-back on a plate that is not the home of all the products it may be: one item that is
   * one of `skus` lies there (the next pick-up there weighs them all, and is unsure if they tie)
   */
  addDoubtful(
    gondola: number,
    shelf: number,
    plate: number,
    skus: string[],
    p?: number[],
    ref?: string,
  ): void {
    const k = plateKey(gondola, shelf, plate);
    const list = this.doubtful.get(k) ?? [];
    list.push({
      skus: [...skus],
      p: p && p.length === skus.length ? [...p] : skus.map(() => 1),
      ...(ref !== undefined ? { ref } : {}),
    });
    this.doubtful.set(k, list);
  }

  /** a pick-up of a foreign item: it is no longer there. Returns the items in doubt it took. */
  takeForeign(gondola: number, shelf: number, plates: number[], sku: string, qty: number): DoubtfulItem[] {
    let left = qty;
    const taken: DoubtfulItem[] = [];
    // an item in doubt that could be this one went first
    for (const p of plates) {
      const list = this.doubtful.get(plateKey(gondola, shelf, p));
      if (!list) continue;
      for (let i = list.length - 1; i >= 0 && left > 0; i--) {
        if (list[i].skus.includes(sku)) {
          taken.push(...list.splice(i, 1));
          left--;
        }
      }
    }
    for (const p of plates) {
      const m = this.foreign.get(plateKey(gondola, shelf, p));
      const n = m?.get(sku) ?? 0;
      if (!m || n <= 0) continue;
      const take = Math.min(n, left);
      m.set(sku, n - take);
      left -= take;
      if (left <= 0) return taken;
    }
    return taken;
  }
}
