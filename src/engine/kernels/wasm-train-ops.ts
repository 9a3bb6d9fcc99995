/**
 * The training ops (TrainOps, train-ops.ts) of the WebAssembly backend (wasm/src/train.c and the
 * optimizer kernels in elementwise.c): f32 SIMD over arrays that already live in the kernels'
 * memory. Unlike the forward kernels they never copy foreign arrays in (a copy would cost more
 * than the op); `trainOpsFor(...)` sends other arrays to the plain loops.
 */
import { T1Error } from "../../util/errors.js";
import { checkLengths } from "./shapes.js";
import type { AdamWStep, TrainOps } from "./train-ops.js";

/** The wasm exports these ops call. */
export interface TrainExports {
  adamw(w: number, g: number, m: number, v: number, n: number, gscale: number, b1: number, b2: number, step: number, invBc2: number, eps: number, decay: number): void;
  sum_squares(x: number, n: number): number;
  rmsnorm_fwd(y: number, rstd: number, x: number, w: number, R: number, C: number, eps: number): void;
  rmsnorm_bwd(dx: number, dw: number, dy: number, x: number, w: number, rstd: number, R: number, C: number): void;
  swiglu_bwd(dg: number, du: number, ds: number, g: number, u: number, n: number): void;
  softmax_bwd_causal(dp: number, P: number, R: number, T: number, scale: number): void;
  xent_rows(x: number, R: number, V: number, target: number, scale: number, stats: number): void;
  copy_rows(dst: number, ds: number, src: number, ss: number, rows: number, cols: number, mul: number): void;
}

/** What the ops need from the owning kernels: ownership checks and scratch memory. */
interface KernelMemory {
  owns(...arrays: ArrayBufferView[]): boolean;
  alloc(n: number): Float32Array;
  free(a: Float32Array): void;
}

export class WasmTrainOps implements TrainOps {
  readonly simd = true;
  constructor(private readonly ex: TrainExports, private readonly mem: KernelMemory) {}

  /**
   * One AdamW step in f32 SIMD, in place on w, m and v (n elements each; all four arrays from
   * the owning kernels' `alloc`): the update torch.optim.AdamW makes, in the same precision.
   */
  adamw(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, n: number, s: AdamWStep): void {
    checkLengths("adamw", { n }, { w: [w, n], g: [g, n], m: [m, n], v: [v, n] });
    this.mustOwn("adamw", w, g, m, v);
    if (n === 0) return;
    this.ex.adamw(w.byteOffset, g.byteOffset, m.byteOffset, v.byteOffset, n, s.gradScale, s.beta1, s.beta2, s.stepSize, s.invBc2, s.eps, s.decay);
  }

  /** Σ x² over the first n elements, accumulated in float64 (x from the owning kernels' `alloc`). */
  sumSquares(x: Float32Array, n = x.length): number {
    checkLengths("sumSquares", { n }, { x: [x, n] });
    this.mustOwn("sumSquares", x);
    return n === 0 ? 0 : this.ex.sum_squares(x.byteOffset, n);
  }

  /** Training RMSNorm: y = x·rstd·w per row of x(R,C), saving rstd(R) = 1/sqrt(mean(x²)+eps). */
  rmsnormTrain(y: Float32Array, rstd: Float32Array, x: Float32Array, w: Float32Array, R: number, C: number, eps: number): void {
    checkLengths("rmsnormTrain", { R, C }, { y: [y, R * C], rstd: [rstd, R], x: [x, R * C], w: [w, C] });
    this.mustOwn("rmsnormTrain", y, rstd, x, w);
    if (R * C > 0) this.ex.rmsnorm_fwd(y.byteOffset, rstd.byteOffset, x.byteOffset, w.byteOffset, R, C, eps);
  }

  /** RMSNorm backward: dw += Σ_r dy ⊙ x̂ (dw null: skipped), dx += rstd·(dy⊙w − x̂·mean(dy⊙w⊙x̂)). */
  rmsnormBackward(dx: Float32Array, dw: Float32Array | null, dy: Float32Array, x: Float32Array, w: Float32Array, rstd: Float32Array, R: number, C: number): void {
    checkLengths("rmsnormBackward", { R, C }, { dx: [dx, R * C], dy: [dy, R * C], x: [x, R * C], w: [w, C], rstd: [rstd, R], ...(dw ? { dw: [dw, C] } : {}) });
    this.mustOwn("rmsnormBackward", dx, dy, x, w, rstd, ...(dw ? [dw] : []));
    if (R * C > 0) this.ex.rmsnorm_bwd(dx.byteOffset, dw ? dw.byteOffset : 0, dy.byteOffset, x.byteOffset, w.byteOffset, rstd.byteOffset, R, C);
  }

  /** SwiGLU backward of s = silu(g) ⊙ u: writes dg = ds·∂s/∂g and du = ds·silu(g); dg may be ds. */
  swigluBackward(dg: Float32Array, du: Float32Array, ds: Float32Array, g: Float32Array, u: Float32Array, n: number): void {
    checkLengths("swigluBackward", { n }, { dg: [dg, n], du: [du, n], ds: [ds, n], g: [g, n], u: [u, n] });
    this.mustOwn("swigluBackward", dg, du, ds, g, u);
    if (n > 0) this.ex.swiglu_bwd(dg.byteOffset, du.byteOffset, ds.byteOffset, g.byteOffset, u.byteOffset, n);
  }

  /**
   * Causal softmax backward in place: row r of dp(R,T) (query position r mod T, probabilities P)
   * becomes P ⊙ (dp − rowsum(dp ⊙ P))·scale over the keys it sees, and 0 past them.
   */
  softmaxBackwardCausal(dp: Float32Array, P: Float32Array, R: number, T: number, scale: number): void {
    checkLengths("softmaxBackwardCausal", { R, T }, { dp: [dp, R * T], P: [P, R * T] });
    this.mustOwn("softmaxBackwardCausal", dp, P);
    if (R * T > 0) this.ex.softmax_bwd_causal(dp.byteOffset, P.byteOffset, R, T, scale);
  }

  /**
   * Strided row copy: dst[t·ds + c] = src[t·ss + c] · mul for t < rows, c < cols (offsets in floats
   * from the start of each view; both views in the owning kernel memory).
   */
  copyRows(dst: Float32Array, ds: number, src: Float32Array, ss: number, rows: number, cols: number, mul = 1): void {
    if (rows <= 0 || cols <= 0) return;
    checkLengths("copyRows", { rows, cols }, { dst: [dst, (rows - 1) * ds + cols], src: [src, (rows - 1) * ss + cols] });
    this.mustOwn("copyRows", dst, src);
    this.ex.copy_rows(dst.byteOffset, ds, src.byteOffset, ss, rows, cols, mul);
  }

  /**
   * Fused softmax cross-entropy in place on logits x(R,V) (in the owning kernel memory): rows whose
   * target is −1 become zeros, others scale·(softmax − onehot(target)). Returns the per-row loss
   * log Σ exp(x) − x[target] (0 for skipped rows). Other targets must be in [0, V).
   */
  crossEntropyRows(x: Float32Array, R: number, V: number, targets: Int32Array, scales: Float32Array): Float64Array {
    checkLengths("crossEntropyRows", { R, V }, { x: [x, R * V], targets: [targets, R], scales: [scales, R] });
    this.mustOwn("crossEntropyRows", x);
    const loss = new Float64Array(R);
    if (R * V === 0) return loss;
    const tmp = this.mem.alloc(4 * R);
    try {
      const tgt = tmp.subarray(0, R), sc = tmp.subarray(R, 2 * R), stats = tmp.subarray(2 * R);
      const xt = new Float64Array(R);
      for (let r = 0; r < R; r++) {
        const t = targets[r];
        if (t !== -1 && !(t >= 0 && t < V)) throw new T1Error("BAD_INPUT", `crossEntropyRows: target ${t} at row ${r} is outside [0, ${V})`);
        tgt[r] = t;
        sc[r] = scales[r];
        xt[r] = t >= 0 ? x[r * V + t] : 0;
      }
      this.ex.xent_rows(x.byteOffset, R, V, tgt.byteOffset, sc.byteOffset, stats.byteOffset);
      for (let r = 0; r < R; r++) if (tgt[r] >= 0) loss[r] = Math.log(stats[2 * r + 1]) + stats[2 * r] - xt[r];
    } finally {
      this.mem.free(tmp);
    }
    return loss;
  }

  private mustOwn(op: string, ...arrays: ArrayBufferView[]): void {
    if (!this.mem.owns(...arrays)) throw new T1Error("BAD_INPUT", `${op}: every array must come from this kernels' alloc`);
  }
}
