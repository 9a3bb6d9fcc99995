/**
 * The decoder-only transformer forward pass (Llama / Qwen2 / Qwen3) over a KV cache.
 *
 * Batching: the tokens of several sequences are PACKED into one (N, C) block, each token tagged
 * with its cache row and position, so every matmul runs on the whole block and no pad token is
 * ever computed or attended. This is equivalent to right padding with an attention mask, without
 * the wasted work; a row's positions are exactly those it would have alone.
 */
import type { Kernels } from "./kernels/types.js";
import type { ModelConfig } from "./config.js";
import type { TensorMap } from "./safetensors.js";
import { T1Error } from "../util/errors.js";
import { KVCache } from "./kv-cache.js";
import { rmsnormForward } from "./ops/rmsnorm.js";
import { ropeForward, ropeTable, type RopeTable } from "./ops/rope.js";
import { attentionKernelForward, kvCacheWriteForward, type AttentionScratch } from "./ops/attention.js";
import { addBiasForward, residualForward, swigluForward } from "./ops/swiglu.js";

interface LayerWeights {
  inputNorm: Float32Array;
  wq: Float32Array; wk: Float32Array; wv: Float32Array; wo: Float32Array;
  bq?: Float32Array; bk?: Float32Array; bv?: Float32Array; bo?: Float32Array;
  qNorm?: Float32Array; kNorm?: Float32Array;
  postNorm: Float32Array;
  wGate: Float32Array; wUp: Float32Array; wDown: Float32Array;
}

/** One sequence's new tokens in a forward call. */
export interface BatchEntry {
  row: number;
  tokens: ArrayLike<number>;
}

export interface ForwardOptions {
  /** Which logits to compute. "last" (default): one row per entry, at its last new token.
   * "all": every new token (N rows). "none": skip the output head (embedding only). */
  logits?: "last" | "all" | "none";
}

export interface ForwardResult {
  /** (M, V) logits; a view into reused scratch, valid until the next forward. */
  logits: Float32Array;
  /** (N, C) hidden states after the final norm, packed in entry order; reused scratch. */
  hidden: Float32Array;
  /** Index into `hidden` of each entry's first new token (length = entries + 1). */
  offsets: Int32Array;
  N: number;
}

const BUFS = ["x", "xn", "q", "k", "v", "att", "gate", "up", "tmp"] as const;

export class Transformer {
  readonly cfg: ModelConfig;
  private readonly layers: LayerWeights[] = [];
  private readonly embed: Float32Array;
  private readonly lmHead: Float32Array;
  private readonly finalNorm: Float32Array;
  private rope: RopeTable;
  private cap = 0;
  private buf: Record<(typeof BUFS)[number], Float32Array> = {} as never;
  private logitsBuf: Float32Array;
  private lastHidden: Float32Array;
  private rowOf = new Int32Array(0);
  private pos = new Int32Array(0);
  private tok = new Int32Array(0);
  private readonly attScratch: AttentionScratch;
  private offsets = new Int32Array(1);
  /** Per-row stamp of the last forward that used it: catches a row given twice, allocation-free. */
  private seen = new Int32Array(0);
  private calls = 0;
  private disposed = false;

  constructor(cfg: ModelConfig, tensors: TensorMap, readonly kernels: Kernels) {
    this.cfg = cfg;
    const { hiddenSize: C, heads: H, kvHeads: KV, headDim: D, intermediateSize: I, vocabSize: V } = cfg;
    const get = (name: string, shape: number[]): Float32Array => {
      const t = tensors.get(name);
      if (!t) throw new T1Error("BAD_INPUT", `checkpoint lacks tensor "${name}" that ${cfg.arch} needs`);
      if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
        throw new T1Error("BAD_INPUT", `tensor "${name}" has shape [${t.shape}], expected [${shape}] from config`);
      }
      return t.data;
    };
    this.embed = get("model.embed_tokens.weight", [V, C]);
    if (cfg.tieEmbeddings) this.lmHead = this.embed;
    else if (tensors.has("lm_head.weight")) this.lmHead = get("lm_head.weight", [V, C]);
    else throw new T1Error("BAD_INPUT", `checkpoint lacks "lm_head.weight" and config says tie_word_embeddings=false`);
    this.finalNorm = get("model.norm.weight", [C]);
    for (let l = 0; l < cfg.layers; l++) {
      const p = `model.layers.${l}.`;
      this.layers.push({
        inputNorm: get(p + "input_layernorm.weight", [C]),
        wq: get(p + "self_attn.q_proj.weight", [H * D, C]),
        wk: get(p + "self_attn.k_proj.weight", [KV * D, C]),
        wv: get(p + "self_attn.v_proj.weight", [KV * D, C]),
        wo: get(p + "self_attn.o_proj.weight", [C, H * D]),
        ...(cfg.qkvBias
          ? { bq: get(p + "self_attn.q_proj.bias", [H * D]), bk: get(p + "self_attn.k_proj.bias", [KV * D]), bv: get(p + "self_attn.v_proj.bias", [KV * D]) }
          : {}),
        ...(cfg.oBias ? { bo: get(p + "self_attn.o_proj.bias", [C]) } : {}),
        ...(cfg.qkNorm ? { qNorm: get(p + "self_attn.q_norm.weight", [D]), kNorm: get(p + "self_attn.k_norm.weight", [D]) } : {}),
        postNorm: get(p + "post_attention_layernorm.weight", [C]),
        wGate: get(p + "mlp.gate_proj.weight", [I, C]),
        wUp: get(p + "mlp.up_proj.weight", [I, C]),
        wDown: get(p + "mlp.down_proj.weight", [C, I]),
      });
    }
    this.rope = ropeTable(256, D, cfg.ropeTheta);
    this.attScratch = { qg: kernels.alloc(1), scores: kernels.alloc(1), og: kernels.alloc(1) };
    this.logitsBuf = kernels.alloc(V);
    this.lastHidden = kernels.alloc(C);
  }

  /** Frees weights and scratch in kernel memory; the transformer is unusable afterwards. */
  dispose(tensors?: Iterable<Float32Array>): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of BUFS) if (this.buf[b]) this.kernels.free(this.buf[b]);
    for (const a of [this.logitsBuf, this.lastHidden, this.attScratch.qg, this.attScratch.scores, this.attScratch.og]) this.kernels.free(a);
    if (tensors) for (const t of tensors) this.kernels.free(t);
  }

  /** A cache for `rows` sequences of up to `maxTokens` tokens each (prompt + generated). */
  createCache(rows: number, maxTokens: number): KVCache {
    return new KVCache(this.kernels, rows, maxTokens, this.cfg.layers, this.cfg.kvHeads, this.cfg.headDim);
  }

  private ensureCapacity(N: number, M: number, maxT: number): void {
    const { hiddenSize: C, heads: H, kvHeads: KV, headDim: D, intermediateSize: I, vocabSize: V } = this.cfg;
    if (N > this.cap) {
      const cap = Math.max(N, this.cap * 2);
      const size: Record<(typeof BUFS)[number], number> = { x: C, xn: C, q: H * D, k: KV * D, v: KV * D, att: H * D, gate: I, up: I, tmp: C };
      for (const b of BUFS) {
        if (this.buf[b]) this.kernels.free(this.buf[b]);
        this.buf[b] = this.kernels.alloc(cap * size[b]);
      }
      this.rowOf = new Int32Array(cap);
      this.pos = new Int32Array(cap);
      this.tok = new Int32Array(cap);
      this.cap = cap;
    }
    if (M * V > this.logitsBuf.length) {
      this.kernels.free(this.logitsBuf);
      this.logitsBuf = this.kernels.alloc(Math.max(M, 2 * this.logitsBuf.length / V) * V);
    }
    if (M * C > this.lastHidden.length) {
      this.kernels.free(this.lastHidden);
      this.lastHidden = this.kernels.alloc(Math.max(M, 2 * this.lastHidden.length / C) * C);
    }
    if (maxT > this.rope.positions) this.rope = ropeTable(Math.max(maxT, 2 * this.rope.positions), D, this.cfg.ropeTheta);
  }

  /** Runs the new tokens of each entry through the model, appending them to `cache`. */
  forward(cache: KVCache, batch: readonly BatchEntry[], opts: ForwardOptions = {}): ForwardResult {
    if (cache.isFreed) throw new T1Error("INTERNAL", "forward on a freed KV cache");
    if (this.disposed) throw new T1Error("INTERNAL", "forward on a disposed model");
    const mode = opts.logits ?? "last";
    const { hiddenSize: C, heads: H, kvHeads: KV, headDim: D, intermediateSize: I, vocabSize: V, rmsNormEps: eps } = this.cfg;
    let N = 0;
    for (const e of batch) N += e.tokens.length;
    const M = mode === "all" ? N : mode === "last" ? batch.length : 0;
    this.ensureCapacity(Math.max(N, 1), M, cache.maxT);
    if (this.offsets.length < batch.length + 1) this.offsets = new Int32Array(batch.length + 1);
    const { rowOf, pos, tok, offsets } = this;
    let n = 0;
    if (this.seen.length < cache.rows) this.seen = new Int32Array(cache.rows);
    const stamp = ++this.calls;
    for (let b = 0; b < batch.length; b++) {
      const { row, tokens } = batch[b]!;
      if (!(row >= 0 && row < cache.rows) || this.seen[row] === stamp) throw new T1Error("INTERNAL", `bad or repeated cache row ${row}`);
      this.seen[row] = stamp;
      if (mode === "last" && tokens.length === 0) throw new T1Error("INTERNAL", `entry for row ${row} has no tokens but last-token logits were asked`);
      const start = cache.lengths[row]!;
      if (start + tokens.length > cache.maxT) {
        throw new T1Error("BAD_INPUT", `sequence in row ${row} would reach ${start + tokens.length} tokens; the cache holds ${cache.maxT}`);
      }
      offsets[b] = n;
      for (let i = 0; i < tokens.length; i++, n++) {
        const id = tokens[i]!;
        if (!Number.isInteger(id) || id < 0 || id >= V) throw new T1Error("BAD_INPUT", `token id ${id} is outside the vocabulary [0, ${V})`);
        rowOf[n] = row;
        pos[n] = start + i;
        tok[n] = id;
      }
    }
    offsets[batch.length] = n;
    const { x, xn, q, k, v, att, gate, up, tmp } = this.buf;
    const K = this.kernels;
    for (let i = 0; i < N; i++) x.set(this.embed.subarray(tok[i]! * C, tok[i]! * C + C), i * C);
    for (let l = 0; l < this.layers.length; l++) {
      const w = this.layers[l]!;
      rmsnormForward(xn, x, w.inputNorm, N, C, eps); // (N, C)
      K.matmulTransB(q, xn, w.wq, N, C, H * D); // (N, H*D)
      K.matmulTransB(k, xn, w.wk, N, C, KV * D); // (N, KV*D)
      K.matmulTransB(v, xn, w.wv, N, C, KV * D);
      if (w.bq) {
        addBiasForward(q, w.bq, N, H * D);
        addBiasForward(k, w.bk!, N, KV * D);
        addBiasForward(v, w.bv!, N, KV * D);
      }
      if (w.qNorm) {
        rmsnormForward(q, q, w.qNorm, N * H, D, eps); // per head: (N*H, D)
        rmsnormForward(k, k, w.kNorm!, N * KV, D, eps);
      }
      ropeForward(q, pos, N, H, D, this.rope);
      ropeForward(k, pos, N, KV, D, this.rope);
      kvCacheWriteForward(cache.k[l]!, cache.v[l]!, k, v, rowOf, pos, N, KV, D, cache.maxT);
      attentionKernelForward(K, this.attScratch, att, q, cache.k[l]!, cache.v[l]!, rowOf, pos, N, H, KV, D, cache.maxT); // (N, H*D)
      K.matmulTransB(tmp, att, w.wo, N, H * D, C); // (N, C)
      if (w.bo) addBiasForward(tmp, w.bo, N, C);
      residualForward(x, tmp, N * C);
      rmsnormForward(xn, x, w.postNorm, N, C, eps);
      K.matmulTransB(gate, xn, w.wGate, N, C, I); // (N, I)
      K.matmulTransB(up, xn, w.wUp, N, C, I);
      swigluForward(gate, gate, up, N * I);
      K.matmulTransB(tmp, gate, w.wDown, N, I, C); // (N, C)
      residualForward(x, tmp, N * C);
    }
    rmsnormForward(xn, x, this.finalNorm, N, C, eps);
    for (const e of batch) cache.lengths[e.row]! += e.tokens.length;
    let logits = this.logitsBuf.subarray(0, 0);
    if (mode === "all") {
      K.matmulTransB(this.logitsBuf, xn, this.lmHead, N, C, V);
      logits = this.logitsBuf.subarray(0, N * V);
    } else if (mode === "last") {
      for (let b = 0; b < batch.length; b++) {
        const last = offsets[b + 1]! - 1;
        this.lastHidden.set(xn.subarray(last * C, last * C + C), b * C);
      }
      K.matmulTransB(this.logitsBuf, this.lastHidden, this.lmHead, M, C, V);
      logits = this.logitsBuf.subarray(0, M * V);
    }
    return { logits, hidden: xn.subarray(0, N * C), offsets: offsets.subarray(0, batch.length + 1), N };
  }
}
