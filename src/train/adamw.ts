import type { Param } from "./train-model.js";
import { kernelsOwning, trainOpsFor, type Kernels } from "../engine/kernels/index.js";

/** Frees the kernel-memory moments of an optimizer that has been garbage-collected. */
const momentsFreed = new FinalizationRegistry<{ k: Kernels; arrays: Float32Array[] }>(({ k, arrays }) => {
  for (const a of arrays) k.free(a);
});

export interface AdamWOptions {
  /** β1, the first-moment decay. Default 0.9. */
  beta1?: number;
  /** β2, the second-moment decay. Default 0.95: forgets old gradient scale faster than 0.999,
   * steadier for LLM fine-tuning with small batches. */
  beta2?: number;
  /** Added to √v̂. Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay (multiplies lr·w, not the gradient). Default 0.1. */
  weightDecay?: number;
  /** Which parameters decay. Default: matrices only (ndim ≥ 2), not norm weights or biases, as GPT-style recipes do. */
  decays?: (p: Param) => boolean;
}

/**
 * AdamW (Loshchilov & Hutter) with bias correction, the update torch.optim.AdamW performs:
 *   w ← w·(1 − lr·wd);  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²
 *   w ← w − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + eps)
 * Moments are float32 arrays keyed by parameter name so checkpoints can store them by name.
 * When a parameter and its gradient live in WebAssembly kernel memory, its moments are allocated
 * there too, so the update (TrainOps.adamw, chosen by trainOpsFor) runs as one f32 SIMD pass
 * (torch's precision; the sqrt and divide dominate the scalar loop); otherwise as plain loops.
 */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly decays: (p: Param) => boolean;
  /** Completed optimiser steps (t in the bias correction). */
  step = 0;
  readonly m = new Map<string, Float32Array>();
  readonly v = new Map<string, Float32Array>();

  constructor(readonly params: Param[], opts: AdamWOptions = {}) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.95;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0.1;
    this.decays = opts.decays ?? ((p) => p.shape.length >= 2);
    const owned = new Map<Kernels, Float32Array[]>();
    for (const p of params) {
      if (!p.grad) continue;
      const k = kernelsOwning(p.data, p.grad);
      const n = p.data.length;
      const m = k ? k.alloc(n) : new Float32Array(n), v = k ? k.alloc(n) : new Float32Array(n); // zeroed
      this.m.set(p.name, m);
      this.v.set(p.name, v);
      if (k) {
        if (!owned.has(k)) owned.set(k, []);
        owned.get(k)!.push(m, v);
      }
    }
    for (const [k, arrays] of owned) momentsFreed.register(this, { k, arrays }, this);
    this.owned = owned;
  }

  private readonly owned: Map<Kernels, Float32Array[]>;

  /**
   * Hands the moments in kernel memory back now. The finalizer does it too, but only when the
   * collector gets to this object, which under little JS pressure can be never: a process that
   * trains stage after stage then runs out of the 4 GiB kernel heap. The optimizer is unusable after.
   */
  dispose(): void {
    momentsFreed.unregister(this);
    for (const [k, arrays] of this.owned) for (const a of arrays) k.free(a);
    this.owned.clear();
    this.m.clear();
    this.v.clear();
  }

  /**
   * One update of every trainable parameter at learning rate lr, using gradScale · grad (pass
   * clipCoefficient(...) to clip without a separate pass over the gradients). Gradients are left
   * as they are.
   */
  update(lr: number, gradScale = 1): void {
    this.step++;
    const { beta1: b1, beta2: b2, eps } = this;
    const stepSize = lr / (1 - Math.pow(b1, this.step));
    const invBc2 = 1 / (1 - Math.pow(b2, this.step));
    for (const p of this.params) {
      const g = p.grad;
      if (!g) continue;
      const m = this.m.get(p.name)!, v = this.v.get(p.name)!, w = p.data;
      const decay = this.decays(p) ? 1 - lr * this.weightDecay : 1;
      trainOpsFor(w, g, m, v).adamw(w, g, m, v, w.length, { gradScale, beta1: b1, beta2: b2, stepSize, invBc2, eps, decay });
    }
  }
}

/** L2 norm of all gradients together, accumulated in float64. */
export function globalGradNorm(params: Param[]): number {
  let ss = 0;
  for (const p of params) if (p.grad) ss += trainOpsFor(p.grad).sumSquares(p.grad);
  return Math.sqrt(ss);
}

/** The factor clip_grad_norm_ would scale gradients by: min(1, maxNorm / (norm + 1e-6)). */
export function clipCoefficient(norm: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (norm + 1e-6));
}

/**
 * Global-norm clipping as torch.nn.utils.clip_grad_norm_: when the norm exceeds maxNorm, every
 * gradient is scaled by maxNorm / (norm + 1e-6). Returns the norm before clipping (what to log).
 */
export function clipGradNorm(params: Param[], maxNorm: number): number {
  const norm = globalGradNorm(params);
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const p of params) {
      const g = p.grad;
      if (!g) continue;
      for (let i = 0; i < g.length; i++) g[i] *= coef;
    }
  }
  return norm;
}

export interface LrSchedule {
  /** Peak learning rate. */
  lr: number;
  /** Linear warm-up steps from lr/warmup to lr. Default 0. */
  warmupSteps?: number;
  /** Steps of the whole run (the cosine reaches minLrRatio·lr here). */
  totalSteps: number;
  /** Floor of the cosine as a fraction of lr. Default 0.1. */
  minLrRatio?: number;
}

/** Warm-up then cosine decay; step is 0-based (the step about to be taken). */
export function learningRateAt(step: number, s: LrSchedule): number {
  const warmup = s.warmupSteps ?? 0;
  const minRatio = s.minLrRatio ?? 0.1;
  if (step < warmup) return (s.lr * (step + 1)) / warmup;
  const progress = Math.min(1, (step - warmup) / Math.max(1, s.totalSteps - warmup));
  return s.lr * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
