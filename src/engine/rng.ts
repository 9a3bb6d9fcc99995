import { Mulberry32 } from "../util/mulberry32.js";

/**
 * A small seeded PRNG (SplitMix32 state advance + a xorshift-multiply finaliser, "mulberry32"):
 * reproducible sampling and random init from a seed, independent of Math.random.
 */
export class SeededRng extends Mulberry32 {
  private spareNormal: number | undefined;

  constructor(seed: number) {
    // Mix the seed so nearby seeds (0, 1, 2) give unrelated streams.
    super((Math.imul(seed | 0, 0x9e3779b1) ^ 0x85ebca6b) >>> 0);
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
