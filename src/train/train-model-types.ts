import type { Kernels } from "../engine/kernels/types.js";
import type { BufferPool } from "./buffer-pool.js";
import type { ModelConfig } from "../engine/config.js";
import type { RopeTable } from "../engine/ops/rope.js";

/* The types TrainModel (train-model.ts) and its forward/backward passes (train-model-pass.ts) share,
 * kept here so that neither file imports the other's types back. */

/** One trainable tensor: its Hugging Face name, shape, value and gradient (null when frozen). */
export interface Param {
  name: string;
  shape: number[];
  data: Float32Array;
  grad: Float32Array | null;
}

/** A padded batch of token sequences, row-major (B, T). */
export interface TokenBatch {
  B: number;
  T: number;
  ids: Int32Array;
  /** (B, T) 1 = real token, 0 = padding. Default: all real. */
  mask?: Uint8Array;
  /** (B, T) RoPE positions. Default 0..T-1 in every row, as Hugging Face's forward without position_ids. */
  positions?: Int32Array;
}

/** Gradients flowing into a forward pass's outputs; either may be omitted. */
export interface OutputGrads {
  /** (N, C) gradient of the final-norm hidden states (embedding objectives). */
  dHidden?: Float32Array;
  /** (N, V) gradient of the logits (language-modelling objectives); (P, V) when the forward ran
   * with logitPositions. */
  dLogits?: Float32Array;
}

/** What the forward and backward passes read of a model; TrainModel implements it. */
export interface PassModel {
  readonly k: Kernels;
  readonly config: ModelConfig;
  readonly pool: BufferPool;
  readonly recomputeSwiglu: boolean;
  /** A RoPE table covering at least positions 0..n-1. */
  ropeFor(n: number): RopeTable;
  param(name: string): Param;
  /** The output projection (lm_head, or the tied embedding). */
  lmHead(): Param;
}
