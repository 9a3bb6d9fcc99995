/**
 * The training ops of the kernel contract (Kernels.train): the steps of a backward pass and of the
 * optimiser that the engine's forward kernels do not cover. Two implementations, one interface:
 * the plain loops below (JsKernels, and any array outside kernel memory) and the f32 SIMD ones of
 * the WebAssembly backend (wasm-train-ops.ts), which read arrays in place and so need every array
 * of a call to come from that instance's `alloc`. `trainOpsFor` is the one place that chooses.
 *
 * Layout: row-major f32; shapes in comments as (rows, cols).
 */
import { T1Error } from "../../util/errors.js";
import { checkLengths } from "./shapes.js";

/** AdamW hyper-parameters of one step (see `TrainOps.adamw`). */
export interface AdamWStep {
  gradScale: number;
  beta1: number;
  beta2: number;
  /** lr / (1 − β1ᵗ) */
  stepSize: number;
  /** 1 / (1 − β2ᵗ) */
  invBc2: number;
  eps: number;
  /** 1 − lr·wd, or 1 for parameters without decay */
  decay: number;
}

export interface TrainOps {
  /** True for the SIMD implementation (arrays must live in its kernel memory). */
  readonly simd: boolean;
  /** One AdamW step in place on w, m and v (n elements each): the update torch.optim.AdamW makes, in f32. */
  adamw(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, n: number, s: AdamWStep): void;
  /** Σ x² over the first n elements, accumulated in float64. */
  sumSquares(x: Float32Array, n?: number): number;
  /** Training RMSNorm: y = x·rstd·w per row of x(R,C), saving rstd(R) = 1/sqrt(mean(x²)+eps). */
  rmsnormTrain(y: Float32Array, rstd: Float32Array, x: Float32Array, w: Float32Array, R: number, C: number, eps: number): void;
  /** RMSNorm backward with x̂ = x·rstd, g = dy⊙w: dw += Σ_r dy ⊙ x̂ (dw null: skipped), dx += rstd·(g − x̂·mean(g⊙x̂)). */
  rmsnormBackward(dx: Float32Array, dw: Float32Array | null, dy: Float32Array, x: Float32Array, w: Float32Array, rstd: Float32Array, R: number, C: number): void;
  /** SwiGLU backward of s = silu(g) ⊙ u: writes dg = ds·u·σ(g)(1 + g(1 − σ(g))) and du = ds·silu(g); dg may be ds. */
  swigluBackward(dg: Float32Array, du: Float32Array, ds: Float32Array, g: Float32Array, u: Float32Array, n: number): void;
  /**
   * Causal softmax backward in place: row r of dp(R,T) (query position r mod T, probabilities P)
   * becomes P ⊙ (dp − rowsum(dp ⊙ P))·scale over the keys it sees, and 0 past them.
   */
  softmaxBackwardCausal(dp: Float32Array, P: Float32Array, R: number, T: number, scale: number): void;
  /** Strided row copy: dst[t·ds + c] = src[t·ss + c] · mul for t < rows, c < cols. */
  copyRows(dst: Float32Array, ds: number, src: Float32Array, ss: number, rows: number, cols: number, mul?: number): void;
  /**
   * Fused softmax cross-entropy in place on logits x(R,V): rows whose target is −1 become zeros,
   * others scale·(softmax − onehot(target)). Returns the per-row loss log Σ exp(x) − x[target]
   * (0 for skipped rows). Other targets must be in [0, V).
   */
  crossEntropyRows(x: Float32Array, R: number, V: number, targets: Int32Array, scales: Float32Array): Float64Array;
}

/** The plain TypeScript training ops: any Float32Array, single-threaded. */
export class JsTrainOps implements TrainOps {
  readonly simd = false;

  adamw(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, n: number, s: AdamWStep): void {
    checkLengths("adamw", { n }, { w: [w, n], g: [g, n], m: [m, n], v: [v, n] });
    const { gradScale, beta1: b1, beta2: b2, stepSize, invBc2, eps, decay } = s;
    const c1 = 1 - b1, c2 = 1 - b2;
    for (let i = 0; i < n; i++) {
      const gi = g[i] * gradScale;
      const mi = (m[i] = b1 * m[i] + c1 * gi);
      const vi = (v[i] = b2 * v[i] + c2 * gi * gi);
      w[i] = w[i] * decay - (stepSize * mi) / (Math.sqrt(vi * invBc2) + eps);
    }
  }

  sumSquares(x: Float32Array, n = x.length): number {
    checkLengths("sumSquares", { n }, { x: [x, n] });
    let s0 = 0, s1 = 0, i = 0;
    for (; i + 2 <= n; i += 2) {
      s0 += x[i] * x[i];
      s1 += x[i + 1] * x[i + 1];
    }
    for (; i < n; i++) s0 += x[i] * x[i];
    return s0 + s1;
  }

  rmsnormTrain(y: Float32Array, rstd: Float32Array, x: Float32Array, w: Float32Array, R: number, C: number, eps: number): void {
    checkLengths("rmsnormTrain", { R, C }, { y: [y, R * C], rstd: [rstd, R], x: [x, R * C], w: [w, C] });
    for (let r = 0; r < R; r++) {
      const o = r * C;
      let ss = 0;
      for (let c = 0; c < C; c++) ss += x[o + c] * x[o + c];
      const s = 1 / Math.sqrt(ss / C + eps);
      rstd[r] = s;
      for (let c = 0; c < C; c++) y[o + c] = x[o + c] * s * w[c];
    }
  }

  rmsnormBackward(dx: Float32Array, dw: Float32Array | null, dy: Float32Array, x: Float32Array, w: Float32Array, rstd: Float32Array, R: number, C: number): void {
    checkLengths("rmsnormBackward", { R, C }, { dx: [dx, R * C], dy: [dy, R * C], x: [x, R * C], w: [w, C], rstd: [rstd, R], ...(dw ? { dw: [dw, C] } : {}) });
    for (let r = 0; r < R; r++) {
      const o = r * C;
      const s = rstd[r];
      let dot = 0;
      for (let c = 0; c < C; c++) {
        const xh = x[o + c] * s;
        dot += dy[o + c] * w[c] * xh;
        if (dw) dw[c] += dy[o + c] * xh;
      }
      dot /= C;
      for (let c = 0; c < C; c++) dx[o + c] += s * (dy[o + c] * w[c] - x[o + c] * s * dot);
    }
  }

  swigluBackward(dg: Float32Array, du: Float32Array, ds: Float32Array, g: Float32Array, u: Float32Array, n: number): void {
    checkLengths("swigluBackward", { n }, { dg: [dg, n], du: [du, n], ds: [ds, n], g: [g, n], u: [u, n] });
    for (let i = 0; i < n; i++) {
      const x = g[i], sg = 1 / (1 + Math.exp(-x)), d = ds[i];
      dg[i] = d * u[i] * sg * (1 + x * (1 - sg));
      du[i] = d * x * sg;
    }
  }

  softmaxBackwardCausal(dp: Float32Array, P: Float32Array, R: number, T: number, scale: number): void {
    checkLengths("softmaxBackwardCausal", { R, T }, { dp: [dp, R * T], P: [P, R * T] });
    for (let r = 0; r < R; r++) {
      const i = r % T, o = r * T;
      let dot = 0;
      for (let j = 0; j <= i; j++) dot += dp[o + j] * P[o + j];
      for (let j = 0; j <= i; j++) dp[o + j] = P[o + j] * (dp[o + j] - dot) * scale;
      dp.fill(0, o + i + 1, o + T);
    }
  }

  copyRows(dst: Float32Array, ds: number, src: Float32Array, ss: number, rows: number, cols: number, mul = 1): void {
    if (rows <= 0 || cols <= 0) return;
    checkLengths("copyRows", { rows, cols }, { dst: [dst, (rows - 1) * ds + cols], src: [src, (rows - 1) * ss + cols] });
    for (let t = 0; t < rows; t++) {
      const d0 = t * ds, s0 = t * ss;
      for (let c = 0; c < cols; c++) dst[d0 + c] = src[s0 + c] * mul;
    }
  }

  crossEntropyRows(x: Float32Array, R: number, V: number, targets: Int32Array, scales: Float32Array): Float64Array {
    checkLengths("crossEntropyRows", { R, V }, { x: [x, R * V], targets: [targets, R], scales: [scales, R] });
    const loss = new Float64Array(R);
    for (let r = 0; r < R; r++) {
      const o = r * V, t = targets[r];
      if (t === -1) {
        x.fill(0, o, o + V);
        continue;
      }
      if (!(t >= 0 && t < V)) throw new T1Error("BAD_INPUT", `crossEntropyRows: target ${t} at row ${r} is outside [0, ${V})`);
      let m = -Infinity;
      for (let c = 0; c < V; c++) if (x[o + c] > m) m = x[o + c];
      const xt = x[o + t];
      let sum = 0;
      for (let c = 0; c < V; c++) {
        const e = Math.exp(x[o + c] - m);
        x[o + c] = e;
        sum += e;
      }
      loss[r] = Math.log(sum) + m - xt;
      const f = scales[r] / sum;
      for (let c = 0; c < V; c++) x[o + c] *= f;
      x[o + t] -= scales[r];
    }
    return loss;
  }
}

/** The one instance of the plain ops (they hold no state). */
export const jsTrainOps: TrainOps = new JsTrainOps();
