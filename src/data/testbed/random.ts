import { Mulberry32 } from "../../util/mulberry32.js";

/**
 * The testbed's seeded draws. Every choice the generator makes goes through one of these, so a
 * seed fixes the whole directory byte for byte.
 */
export class TestbedRng extends Mulberry32 {
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error("TestbedRng.pick: empty list");
    return xs[this.int(xs.length)]!;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffled<T>(xs: readonly T[]): T[] {
    const a = xs.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }

  /** An independent stream for one part of the generator, so adding draws in one part leaves the others unchanged. */
  fork(salt: number): TestbedRng {
    return new TestbedRng((Math.imul(this.state ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(salt, 0xc2b2ae35)) >>> 0);
  }
}
