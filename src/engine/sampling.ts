/**
 * Picking the next token from logits: greedy, or temperature + top-k + top-p sampling with a
 * seeded RNG. Scratch arrays are allocated once per sampler, not per token.
 */
import { SeededRng } from "./rng.js";
import { T1Error } from "../util/errors.js";

export interface SamplingOptions {
  /** 0 (default) = greedy argmax, reproducible and best for retrieval queries; > 0 samples from
   * softmax(logits / temperature): more diverse reasoning (GRPO groups), less predictable. */
  temperature?: number;
  /** Keep only the k most likely tokens before sampling. Default 0 = off. */
  topK?: number;
  /** Nucleus: keep the smallest set of tokens whose probability reaches p. Default 1 = off. */
  topP?: number;
  /** RNG seed. Default 0. Row i of a batch uses seed + i, so a row's text does not depend on
   * which other rows share its batch. */
  seed?: number;
}

export function checkSampling(o: SamplingOptions): void {
  const t = o.temperature ?? 0;
  if (!(t >= 0) || !Number.isFinite(t)) throw new T1Error("BAD_INPUT", `temperature must be >= 0, got ${t}`);
  const k = o.topK ?? 0;
  if (!Number.isInteger(k) || k < 0) throw new T1Error("BAD_INPUT", `topK must be a non-negative integer, got ${k}`);
  const p = o.topP ?? 1;
  if (!(p > 0 && p <= 1)) throw new T1Error("BAD_INPUT", `topP must be in (0, 1], got ${p}`);
}

/** Index of the largest value; ties go to the lowest index (as torch.argmax). */
export function argmax(x: Float32Array, off: number, n: number): number {
  let best = 0;
  let bv = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = x[off + i]!;
    if (v > bv) {
      bv = v;
      best = i;
    }
  }
  return best;
}

/** Probability buckets by powers of two: bucket b holds p in (2^-(b+1), 2^-b]. */
const BUCKETS = 64;

export class Sampler {
  private readonly rng: SeededRng;
  private readonly bucketCount = new Int32Array(BUCKETS);
  private readonly bucketMass = new Float64Array(BUCKETS);
  private readonly probs: Float64Array;
  private readonly idx: Int32Array;

  constructor(private readonly opts: SamplingOptions, vocab: number, row = 0) {
    checkSampling(opts);
    this.rng = new SeededRng((opts.seed ?? 0) + row);
    this.probs = new Float64Array(vocab);
    this.idx = new Int32Array(vocab);
  }

  /** Next token from logits[off .. off+V). */
  sample(logits: Float32Array, off: number, V: number): number {
    const temperature = this.opts.temperature ?? 0;
    if (temperature === 0) return argmax(logits, off, V);
    const { probs, idx } = this;
    let max = -Infinity;
    for (let i = 0; i < V; i++) if (logits[off + i]! > max) max = logits[off + i]!;
    let sum = 0;
    for (let i = 0; i < V; i++) {
      const e = Math.exp((logits[off + i]! - max) / temperature);
      probs[i] = e;
      sum += e;
      idx[i] = i;
    }
    for (let i = 0; i < V; i++) probs[i]! /= sum;
    const topK = this.opts.topK ?? 0;
    const topP = this.opts.topP ?? 1;
    let n = V;
    if (topK > 0 || topP < 1) {
      // Only the head of the distribution can survive the cut, so bucket tokens by -log2(p),
      // keep the buckets that cover k tokens (top-k) or the target mass (top-p), and sort just
      // those: O(V) plus a small sort, instead of sorting 150k ids per token.
      const kWanted = topK > 0 ? Math.min(topK, V) : V;
      const bucketOf = (p: number) => (p > 0 ? Math.min(BUCKETS - 1, Math.floor(-Math.log2(p))) : BUCKETS - 1);
      const count = this.bucketCount.fill(0);
      const mass = this.bucketMass.fill(0);
      for (let i = 0; i < V; i++) {
        const b = bucketOf(probs[i]!);
        count[b]!++;
        mass[b]! += probs[i]!;
      }
      let last = 0;
      let c = 0;
      let m = 0;
      for (; last < BUCKETS - 1; last++) {
        c += count[last]!;
        m += mass[last]!;
        if (topK > 0 ? c >= kWanted : m >= topP) break;
      }
      let k = 0;
      for (let i = 0; i < V; i++) if (bucketOf(probs[i]!) <= last) idx[k++] = i;
      // Descending probability; ties by id so the order is reproducible.
      const sorted = idx.subarray(0, k).sort((a, b) => probs[b]! - probs[a]! || a - b);
      n = Math.min(kWanted, k);
      if (topP < 1) {
        // As transformers' warpers: top-p applies to the distribution renormalised over the top k.
        // Without top-k the whole distribution counts (mass 1), not just the candidates.
        let massK = 0;
        if (topK > 0) for (let i = 0; i < n; i++) massK += probs[sorted[i]!]!;
        else massK = 1;
        let cum = 0;
        for (let i = 0; i < n; i++) {
          cum += probs[sorted[i]!]!;
          if (cum >= topP * massK) {
            n = i + 1;
            break;
          }
        }
      }
    }
    let total = 0;
    for (let i = 0; i < n; i++) total += probs[idx[i]!]!;
    let r = this.rng.next() * total;
    for (let i = 0; i < n; i++) {
      r -= probs[idx[i]!]!;
      if (r < 0) return idx[i]!;
    }
    return idx[n - 1]!;
  }
}
