import type { Kernels } from "../engine/kernels/types.js";
import { readSafetensors, type TensorMap } from "../engine/safetensors.js";
import { InputError, T1Error } from "../util/errors.js";
import { checkTrainable, parameterShapes } from "./model-config.js";
import type { ModelConfig } from "../engine/config.js";
import { TrainRng } from "./rng.js";
import { ropeTable, type RopeTable } from "../engine/ops/rope.js";
import { BufferPool } from "./buffer-pool.js";
import { forwardPass, backwardPass, type Tape } from "./train-model-pass.js";
import type { OutputGrads, Param, PassModel, TokenBatch } from "./train-model-types.js";

export type { OutputGrads, Param, TokenBatch } from "./train-model-types.js";

export interface ForwardOptions {
  /** Compute lm_head logits for every row. Default true; false for embedding-only objectives
   * (InfoNCE), which saves N·V floats and the largest matmul. */
  logits?: boolean;
  /**
   * Flat indices into B·T, strictly increasing: compute the lm_head only at these P positions, so
   * tape.logits is (P, V) with row p the logits of position logitPositions[p], and backward takes a
   * (P, V) dLogits (the other positions get no gradient from the head). Default: none, all N
   * positions (with `logits`). Losses read a few positions (reasoning tokens, sampled actions):
   * this saves (N − P)·V floats and that share of the largest matmul, at a P·C gather each way.
   * Cannot be combined with `logits: false`.
   */
  logitPositions?: Int32Array;
}

export interface TrainModelOptions {
  /** Names (exact) or prefixes ending in "." / "*" to freeze, e.g. ["model.embed_tokens.weight"]. Default none. */
  freeze?: string[];
  /**
   * Recompute the SwiGLU product in backward instead of keeping it on the tape. Default false:
   * keeping it saves a SIMD pass per MLP element; true saves B·T·intermediate floats per layer
   * (about a sixth of the activations) for longer sequences or bigger batches.
   */
  recomputeSwiglu?: boolean;
}

/**
 * A Qwen3 / Llama / Qwen2 decoder for training: full padded sequences, no KV cache, every
 * activation the backward pass needs saved on a Tape. Parameters and activations live in kernel
 * memory. Gradients accumulate across backward calls until zeroGrads().
 */
export class TrainModel implements PassModel {
  readonly params: Param[];
  readonly byName: Map<string, Param>;
  private ropeTable: RopeTable | null = null;
  /** Activation and gradient buffers recycled across steps (see BufferPool). */
  readonly pool: BufferPool;
  readonly recomputeSwiglu: boolean;

  /** The engine's config (the same RoPE scaling, the same config.json written back). */
  readonly config: ModelConfig;

  /** `config`: the engine's ModelConfig (readTrainModelConfig, or built in code); what training cannot do is refused (checkTrainable). */
  constructor(readonly k: Kernels, config: ModelConfig, tensors: TensorMap | null, opts: TrainModelOptions = {}) {
    this.config = checkTrainable(config);
    this.pool = new BufferPool(k);
    this.recomputeSwiglu = opts.recomputeSwiglu ?? false;
    const freeze = opts.freeze ?? [];
    const frozen = (n: string) => freeze.some((f) => f === n || (f.endsWith("*") && n.startsWith(f.slice(0, -1))) || (f.endsWith(".") && n.startsWith(f)));
    this.params = parameterShapes(config).map(([name, shape]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = k.alloc(n);
      if (tensors) {
        const t = tensors.get(name);
        if (!t) throw new InputError(`missing tensor "${name}" in the model weights`, { field: name });
        if (t.data.length !== n) throw new InputError(`tensor "${name}" has shape [${t.shape}], expected [${shape}]`, { field: name });
        data.set(t.data);
      }
      return { name, shape, data, grad: frozen(name) ? null : k.alloc(n) };
    });
    this.byName = new Map(this.params.map((p) => [p.name, p]));
    for (const f of freeze) if (!f.endsWith("*") && !f.endsWith(".") && !this.byName.has(f)) throw new InputError(`freeze list names unknown parameter "${f}"`, { field: "freeze" });
  }

  /** Loads config-shaped weights from a safetensors file or HF directory. */
  static async load(k: Kernels, config: ModelConfig, weightsPath: string, opts: TrainModelOptions = {}): Promise<TrainModel> {
    const tensors = await readSafetensors(weightsPath);
    return new TrainModel(k, config, tensors, opts);
  }

  /** Fresh weights: N(0, std) matrices, ones for norms, zero biases. Deterministic in seed. */
  static init(k: Kernels, config: ModelConfig, seed: number, std = 0.02, opts: TrainModelOptions = {}): TrainModel {
    const m = new TrainModel(k, config, null, opts);
    const rng = new TrainRng(seed);
    for (const p of m.params) {
      if (p.name.endsWith("norm.weight") || p.name.endsWith("layernorm.weight")) p.data.fill(1);
      else if (p.name.endsWith(".bias")) p.data.fill(0);
      else for (let i = 0; i < p.data.length; i++) p.data[i] = rng.normal() * std;
    }
    return m;
  }

  /** cos/sin for positions < n (the engine's table, rope_scaling included), grown on demand (a
   * 40k-position table for every model would waste memory). */
  ropeFor(n: number): RopeTable {
    if (!this.ropeTable || this.ropeTable.positions < n) {
      const size = Math.min(this.config.maxPositions, Math.max(n, 256));
      this.ropeTable = ropeTable(size, this.config.headDim, this.config.ropeTheta, this.config.ropeScaling);
    }
    return this.ropeTable;
  }

  get parameterCount(): number {
    return this.params.reduce((a, p) => a + p.data.length, 0);
  }

  param(name: string): Param {
    const p = this.byName.get(name);
    if (!p) throw new T1Error("INTERNAL", `no parameter ${name}`);
    return p;
  }

  /** The lm_head weight: embed_tokens when tied. */
  lmHead(): Param {
    return this.config.tieEmbeddings ? this.param("model.embed_tokens.weight") : this.param("lm_head.weight");
  }

  forward(batch: TokenBatch, opts: ForwardOptions = {}): Tape {
    if (opts.logitPositions && opts.logits === false) throw new InputError("logitPositions given with logits: false", { field: "logitPositions" });
    return forwardPass(this, batch, opts.logitPositions ?? opts.logits ?? true);
  }

  /** Accumulates every trainable parameter's gradient; frees nothing (call tape.free()). */
  backward(tape: Tape, grads: OutputGrads): void {
    backwardPass(this, tape, grads);
  }

  zeroGrads(): void {
    for (const p of this.params) p.grad?.fill(0);
  }

  /** Returns parameters, gradients and pooled buffers to the kernel allocator; the model is unusable after. */
  dispose(): void {
    this.pool.clear();
    for (const p of this.params) {
      this.k.free(p.data);
      if (p.grad) this.k.free(p.grad);
    }
  }

  /** Weights as a TensorMap for writeSafetensors (views, no copy). */
  tensors(): TensorMap {
    return new Map(this.params.map((p) => [p.name, { shape: p.shape, data: p.data }]));
  }
}
