/**
 * mulberry32: a tiny seeded PRNG whose whole state is one uint32, so checkpoints can store it as a
 * number and tests reproduce bit for bit. Independent of Math.random. The engine's sampler
 * (SeededRng) and the training loop (TrainRng) both build on it.
 */
export class Mulberry32 {
  state: number;

  constructor(state: number) {
    this.state = state >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** A uniform [0, 1) stream as a plain function: the same sequence as `new Mulberry32(seed).next()`. */
export function uniformStream(seed: number): () => number {
  const g = new Mulberry32(seed);
  return () => g.next();
}
