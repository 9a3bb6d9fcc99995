import { Mulberry32 } from "../util/mulberry32.js";

/**
 * The training loop's random source: mulberry32 with its whole state in one uint32, so a
 * checkpoint stores it as a number and a resumed run draws the same values.
 */
export class TrainRng extends Mulberry32 {
  /** A generator whose stream is a function of (seed, stream) only, e.g. one per epoch. */
  static derive(seed: number, stream: number): TrainRng {
    return new TrainRng((Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0);
  }

  /** Standard normal (Box–Muller; one uniform pair per sample keeps the state story simple). */
  normal(): number {
    const a = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/**
 * The data order of one epoch: a Fisher–Yates shuffle of 0..n-1 seeded by (seed, epoch), so the
 * order is recomputed after a resume instead of stored.
 */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rng = TrainRng.derive(seed, epoch);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
