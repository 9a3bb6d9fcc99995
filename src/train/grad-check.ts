import { uniformStream } from "../util/mulberry32.js";
/**
 * Finite-difference gradient checking in the spirit of tinygrad's helper_test_op: one line per op.
 *
 * The scalar probed is L = Σ w ⊙ op(inputs) with a fixed random w (so every output element and
 * every cross-term matters), accumulated in float64. Each input element is nudged by ±eps and the
 * central difference (L⁺ − L⁻) / 2eps is compared with the analytic gradient backward(w).
 */
export interface GradOp {
  /** Runs the op on the inputs; may save state for backward. Scalar ops return a length-1 array. */
  forward(inputs: Float32Array[]): Float32Array;
  /**
   * Gradients of Σ dy ⊙ forward(inputs) for every input (null = not differentiable, e.g. ids).
   * Called right after forward(inputs) on the same, unperturbed inputs.
   */
  backward(inputs: Float32Array[], dy: Float32Array): (Float32Array | null)[];
}

export interface GradCheckOptions {
  /** Step of the central difference. Default 1e-2: f32 ops need a large step so rounding noise
   * (~1e-7·|L| / eps) stays below the truncation error (~eps²·L‴). */
  eps?: number;
  /** Absolute tolerance. Default 1e-3. */
  atol?: number;
  /** Relative tolerance (to the larger of the two gradients). Default 1e-2. */
  rtol?: number;
  /** Probe at most this many elements per input (chosen by a seeded stride). Default 200: enough
   * to catch a wrong index pattern, cheap for big inputs. */
  maxProbes?: number;
  /** Seed for w. Default 1. */
  seed?: number;
}

export interface GradCheckResult {
  maxAbsError: number;
  probes: number;
  failures: string[];
}

/** Checks every differentiable input; returns failures instead of throwing so tests can report all. */
export function checkGrad(op: GradOp, inputs: Float32Array[], opts: GradCheckOptions = {}): GradCheckResult {
  const eps = opts.eps ?? 1e-2;
  const atol = opts.atol ?? 1e-3;
  const rtol = opts.rtol ?? 1e-2;
  const maxProbes = opts.maxProbes ?? 200;
  const rand = seededUniform(opts.seed ?? 1);
  const out0 = op.forward(inputs);
  const w = new Float32Array(out0.length);
  for (let i = 0; i < w.length; i++) w[i] = rand() * 2 - 1;
  const loss = (): number => {
    const out = op.forward(inputs);
    let s = 0;
    for (let i = 0; i < out.length; i++) s += w[i] * out[i];
    return s;
  };
  loss();
  const analytic = op.backward(inputs, w).map((g) => (g ? Float64Array.from(g) : null));
  const failures: string[] = [];
  let maxAbsError = 0;
  let probes = 0;
  for (let a = 0; a < inputs.length; a++) {
    const g = analytic[a];
    if (!g) continue;
    const x = inputs[a];
    if (g.length !== x.length) {
      failures.push(`input ${a}: gradient has ${g.length} elements, input has ${x.length}`);
      continue;
    }
    const stride = Math.max(1, Math.floor(x.length / maxProbes));
    for (let i = Math.floor(rand() * stride) % stride; i < x.length; i += stride) {
      const orig = x[i];
      x[i] = orig + eps;
      const lp = loss();
      x[i] = orig - eps;
      const lm = loss();
      x[i] = orig;
      const numeric = (lp - lm) / (2 * eps);
      const err = Math.abs(numeric - g[i]);
      maxAbsError = Math.max(maxAbsError, err);
      probes++;
      if (err > atol + rtol * Math.max(Math.abs(numeric), Math.abs(g[i]))) {
        if (failures.length < 10) failures.push(`input ${a}[${i}]: analytic ${g[i].toExponential(4)} vs numeric ${numeric.toExponential(4)}`);
      }
    }
  }
  op.forward(inputs);
  return { maxAbsError, probes, failures };
}

/** A seeded uniform [0, 1) stream (mulberry32), deterministic across platforms. */
export function seededUniform(seed: number): () => number {
  return uniformStream(seed);
}

/** Standard normal samples (Box–Muller) from a seeded uniform source. */
export function seededNormal(seed: number): () => number {
  const u = seededUniform(seed);
  return () => {
    const a = Math.max(u(), 1e-12);
    return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * u());
  };
}
