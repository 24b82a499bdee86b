/**
 * What the ceiling cameras recognise in a tracked hand (the optional `held` field of a walk-out
 * `track` event, docs/walkout.md, decision 0106), with the errors such a recogniser makes.
 *
 * The walk-out simulator knows what each hand truly holds (nothing, or one unit of a product) at
 * every track sample; this model turns that into a reading: absent (the content was not seen),
 * `[]` (the hand looks empty) or candidates best first. Errors are correlated within an
 * *episode* (one reach into a shelf, one hand-over): a camera that mistakes a bag of chips for
 * its look-alike does so from one viewpoint for the whole second, so averaging frames cannot
 * undo it — only a per-frame part of the noise averages out.
 *
 * Default strengths, from published figures (../shared/data/README.md), stated as such:
 * - `episodeWrong` 7 %: the episode names another product consistently. Best published
 *   whole-basket accuracy on the RPC checkout images is 93.11 %, AIM3S identifies 93.2 % of items
 *   (with weight), FAIM up to 92.6 %: about 93 % right. Products held in a moving hand and seen
 *   from the ceiling are harder than a checkout tray, so this is if anything generous to the
 *   camera; it is a parameter.
 * - `lookalikeShare` 70 %: a wrong answer names a look-alike when the product has one (catalogue
 *   `lookalikes`, else another product of the same brand: the same first word of the name —
 *   variants of one brand share packaging), else any product of the catalogue. No published
 *   split; chosen so that most errors land where weight also struggles (same-brand variants
 *   often weigh the same), which is the unfavourable case for fusion.
 * - `episodeOccluded` 15 %: the content is never recognised during the episode (body or shelf
 *   in the way); `frameMissed` 25 %: one frame without a reading although the hand is seen.
 *   No published figure for in-hand visibility; the hand itself is seen in 85 % of samples
 *   (the tracker model of walkout-sim.ts), the item less often.
 * - `frameWrong` 10 %: a single frame names another product (top candidate at low confidence).
 * - `emptyMiss` 5 %: a held item read as an empty hand (hidden in the palm).
 * - `falseSighting` 3 %: an empty hand read as holding a product.
 * - confidences: top `p` uniform in [0.45, 0.95] whether right or wrong (a recogniser's scores
 *   are only loosely calibrated); a second candidate half the time, below half the top `p` — the
 *   true product when the top one is wrong, half the time.
 *
 * All draws come from their own generator (rngFor(seed, "hand-recognition")), so turning the
 * model off or changing it leaves every other line of the log as it was.
 */
import type { Catalog } from "../../domain/catalog/product";
import type { Rng } from "../rng";

export interface HandRecognitionModel {
  episodeWrong: number;
  lookalikeShare: number;
  episodeOccluded: number;
  frameMissed: number;
  frameWrong: number;
  emptyMiss: number;
  falseSighting: number;
}

export const DEFAULT_HAND_RECOGNITION: HandRecognitionModel = {
  episodeWrong: 0.07,
  lookalikeShare: 0.7,
  episodeOccluded: 0.15,
  frameMissed: 0.25,
  frameWrong: 0.1,
  emptyMiss: 0.05,
  falseSighting: 0.03,
};

interface Episode {
  occluded: boolean;
  /** the product this episode names instead of the true one, when it is wrong */
  wrongAs?: string;
}

export class HandRecognizer {
  private readonly skus: string[];
  private readonly lookalikes = new Map<string, string[]>();
  /** per shopper: the current episode key and its draws per true content */
  private readonly episodes = new Map<string, { key: string; byContent: Map<string, Episode> }>();

  constructor(
    catalog: Catalog,
    private readonly rng: Rng,
    private readonly m: HandRecognitionModel = DEFAULT_HAND_RECOGNITION,
  ) {
    this.skus = [...catalog.bySku.values()].filter((p) => p.weight).map((p) => p.sku);
    const brand = (name: string) =>
      name
        .trim()
        .split(/\s+/)[0]
        ?.toLowerCase()
        .replace(/[^a-z0-9]/g, "") ?? "";
    const byBrand = new Map<string, string[]>();
    for (const sku of this.skus) {
      const b = brand(catalog.bySku.get(sku)!.name);
      byBrand.set(b, [...(byBrand.get(b) ?? []), sku]);
    }
    for (const sku of this.skus) {
      const p = catalog.bySku.get(sku)!;
      const listed = (p.lookalikes ?? []).filter((x) => x !== sku && catalog.bySku.has(x));
      const same = (byBrand.get(brand(p.name)) ?? []).filter((x) => x !== sku);
      this.lookalikes.set(sku, listed.length ? listed : same);
    }
  }

  private other(sku: string | undefined): string {
    const la = sku ? (this.lookalikes.get(sku) ?? []) : [];
    if (la.length && this.rng.chance(this.m.lookalikeShare)) return this.rng.pick(la);
    for (;;) {
      const x = this.rng.pick(this.skus);
      if (x !== sku || this.skus.length === 1) return x;
    }
  }

  /**
   * The reading of one track sample whose hand is seen: `content` is the sku truly held (undefined
   * = empty hand), `episode` names the reach or hand-over it belongs to.
   */
  read(
    shopper: string,
    episode: string,
    content: string | undefined,
  ): { sku: string; p: number }[] | undefined {
    let ep = this.episodes.get(shopper);
    if (!ep || ep.key !== episode) {
      ep = { key: episode, byContent: new Map() };
      this.episodes.set(shopper, ep);
    }
    const ck = content ?? "";
    let e = ep.byContent.get(ck);
    if (!e) {
      const occluded = this.rng.chance(this.m.episodeOccluded);
      e = { occluded };
      if (content && this.rng.chance(this.m.episodeWrong)) e.wrongAs = this.other(content);
      ep.byContent.set(ck, e);
    }
    if (e.occluded || this.rng.chance(this.m.frameMissed)) return undefined;
    const top = () => round2(this.rng.uniform(0.45, 0.95));
    if (!content) {
      if (!this.rng.chance(this.m.falseSighting)) return [];
      return [{ sku: this.other(undefined), p: round2(this.rng.uniform(0.2, 0.7)) }];
    }
    if (this.rng.chance(this.m.emptyMiss)) return [];
    let named = e.wrongAs ?? content;
    let p = top();
    if (this.rng.chance(this.m.frameWrong)) {
      named = this.other(named);
      p = round2(this.rng.uniform(0.2, 0.6));
    }
    const out = [{ sku: named, p }];
    if (this.rng.chance(0.5)) {
      const second = named !== content && this.rng.chance(0.5) ? content : this.other(named);
      if (second !== named) out.push({ sku: second, p: round2(this.rng.uniform(0.05, 0.5 * p)) });
    }
    return out;
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
