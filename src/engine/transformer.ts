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
import { ropeForward, ropeTable, type RopeTable } from "./ops/rope.js";
import { attentionKernelForward, kvCacheWriteForward, type AttentionScratch } from "./ops/attention.js";
import { addBiasForward } from "./ops/add-bias.js";
import { f16ToF32Table } from "./kernels/shapes.js";

/** A weight matrix (N, K) in f32 or as IEEE half bit patterns (half the memory and bandwidth). */
export type Matrix = { f32: Float32Array; f16?: undefined } | { f16: Uint16Array; f32?: undefined };

/** Matrices already converted to f16 in kernel memory, by HF tensor name. */
export type F16Tensors = Map<string, { shape: number[]; data: Uint16Array }>;

interface LayerWeights {
  inputNorm: Float32Array;
  wq: Matrix; wk: Matrix; wv: Matrix; wo: Matrix;
  bq?: Float32Array; bk?: Float32Array; bv?: Float32Array; bo?: Float32Array;
  qNorm?: Float32Array; kNorm?: Float32Array;
  postNorm: Float32Array;
  wGate: Matrix; wUp: Matrix; wDown: Matrix;
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
  /** Index into `hidden` of each entry's first new token (length = entries + 1); reused scratch. */
  offsets: Int32Array;
  N: number;
}

const BUFS = ["x", "xn", "q", "k", "v", "att", "gate", "up", "tmp"] as const;

export class Transformer {
  readonly cfg: ModelConfig;
  private readonly layers: LayerWeights[] = [];
  private readonly embed: Matrix;
  private readonly lmHead: Matrix;
  private readonly f16Table: Float32Array | undefined;
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

  /** `f16` holds matrices converted to half precision (absent from `tensors`). */
  constructor(cfg: ModelConfig, tensors: TensorMap, readonly kernels: Kernels, f16: F16Tensors = new Map()) {
    this.cfg = cfg;
    const { hiddenSize: C, heads: H, kvHeads: KV, headDim: D, intermediateSize: I, vocabSize: V } = cfg;
    const checkShape = (name: string, got: number[], shape: number[]) => {
      if (got.length !== shape.length || got.some((s, i) => s !== shape[i])) {
        throw new T1Error("BAD_INPUT", `tensor "${name}" has shape [${got}], expected [${shape}] from config`);
      }
    };
    const get = (name: string, shape: number[]): Float32Array => {
      const t = tensors.get(name);
      if (!t) throw new T1Error("BAD_INPUT", `checkpoint lacks tensor "${name}" that ${cfg.arch} needs`);
      checkShape(name, t.shape, shape);
      return t.data;
    };
    const mat = (name: string, shape: number[]): Matrix => {
      const h = f16.get(name);
      if (h) {
        checkShape(name, h.shape, shape);
        return { f16: h.data };
      }
      return { f32: get(name, shape) };
    };
    this.embed = mat("model.embed_tokens.weight", [V, C]);
    this.f16Table = f16.size ? f16ToF32Table() : undefined;
    if (cfg.tieEmbeddings) this.lmHead = this.embed;
    else if (tensors.has("lm_head.weight") || f16.has("lm_head.weight")) this.lmHead = mat("lm_head.weight", [V, C]);
    else throw new T1Error("BAD_INPUT", `checkpoint lacks "lm_head.weight" and config says tie_word_embeddings=false`);
    this.finalNorm = get("model.norm.weight", [C]);
    for (let l = 0; l < cfg.layers; l++) {
      const p = `model.layers.${l}.`;
      this.layers.push({
        inputNorm: get(p + "input_layernorm.weight", [C]),
        wq: mat(p + "self_attn.q_proj.weight", [H * D, C]),
        wk: mat(p + "self_attn.k_proj.weight", [KV * D, C]),
        wv: mat(p + "self_attn.v_proj.weight", [KV * D, C]),
        wo: mat(p + "self_attn.o_proj.weight", [C, H * D]),
        ...(cfg.qkvBias
          ? { bq: get(p + "self_attn.q_proj.bias", [H * D]), bk: get(p + "self_attn.k_proj.bias", [KV * D]), bv: get(p + "self_attn.v_proj.bias", [KV * D]) }
          : {}),
        ...(cfg.oBias ? { bo: get(p + "self_attn.o_proj.bias", [C]) } : {}),
        ...(cfg.qkNorm ? { qNorm: get(p + "self_attn.q_norm.weight", [D]), kNorm: get(p + "self_attn.k_norm.weight", [D]) } : {}),
        postNorm: get(p + "post_attention_layernorm.weight", [C]),
        wGate: mat(p + "mlp.gate_proj.weight", [I, C]),
        wUp: mat(p + "mlp.up_proj.weight", [I, C]),
        wDown: mat(p + "mlp.down_proj.weight", [C, I]),
      });
    }
    this.rope = ropeTable(256, D, cfg.ropeTheta, cfg.ropeScaling);
    this.attScratch = { qg: kernels.alloc(1), scores: kernels.alloc(1), og: kernels.alloc(1) };
    this.logitsBuf = kernels.alloc(V);
    this.lastHidden = kernels.alloc(C);
  }

  /** How the weight matrices are stored. */
  get weightStorage(): "f32" | "f16" {
    return this.embed.f16 ? "f16" : "f32";
  }

  /** Frees weights and scratch in kernel memory; the transformer is unusable afterwards. */
  dispose(tensors?: Iterable<Float32Array | Uint16Array>): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of BUFS) if (this.buf[b]) this.kernels.free(this.buf[b]);
    for (const a of [this.logitsBuf, this.lastHidden, this.attScratch.qg, this.attScratch.scores, this.attScratch.og]) this.kernels.free(a);
    if (tensors) for (const t of tensors) t instanceof Uint16Array ? this.kernels.freeU16(t) : this.kernels.free(t);
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
    if (maxT > this.rope.positions) this.rope = ropeTable(Math.max(maxT, 2 * this.rope.positions), D, this.cfg.ropeTheta, this.cfg.ropeScaling);
  }

  /** out(M, N) = x(M, K) · Wᵀ for an f32 or f16 weight (N, K). */
  private linear(out: Float32Array, x: Float32Array, w: Matrix, M: number, K: number, N: number): void {
    if (w.f16) this.kernels.matmulTransBF16(out, x, w.f16, M, K, N);
    else this.kernels.matmulTransB(out, x, w.f32, M, K, N);
  }

  /** x(N, C) = embedding rows of tok[0..N). */
  private embedRows(x: Float32Array, tok: Int32Array, N: number): void {
    const C = this.cfg.hiddenSize;
    const e = this.embed;
    if (e.f32) {
      for (let i = 0; i < N; i++) x.set(e.f32.subarray(tok[i]! * C, tok[i]! * C + C), i * C);
      return;
    }
    const table = this.f16Table!;
    for (let i = 0; i < N; i++) {
      const src = tok[i]! * C;
      for (let c = 0; c < C; c++) x[i * C + c] = table[e.f16[src + c]!]!;
    }
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
    this.embedRows(x, tok, N);
    for (let l = 0; l < this.layers.length; l++) {
      const w = this.layers[l]!;
      K.rmsnorm(xn, x, w.inputNorm, N, C, eps); // (N, C)
      this.linear(q, xn, w.wq, N, C, H * D); // (N, H*D)
      this.linear(k, xn, w.wk, N, C, KV * D); // (N, KV*D)
      this.linear(v, xn, w.wv, N, C, KV * D);
      if (w.bq) {
        addBiasForward(q, w.bq, N, H * D);
        addBiasForward(k, w.bk!, N, KV * D);
        addBiasForward(v, w.bv!, N, KV * D);
      }
      if (w.qNorm) {
        K.rmsnorm(q, q, w.qNorm, N * H, D, eps); // per head: (N*H, D)
        K.rmsnorm(k, k, w.kNorm!, N * KV, D, eps);
      }
      ropeForward(q, pos, N, H, D, this.rope);
      ropeForward(k, pos, N, KV, D, this.rope);
      kvCacheWriteForward(cache.k[l]!, cache.v[l]!, k, v, rowOf, pos, N, KV, D, cache.maxT);
      attentionKernelForward(K, this.attScratch, att, q, cache.k[l]!, cache.v[l]!, rowOf, pos, N, H, KV, D, cache.maxT); // (N, H*D)
      this.linear(tmp, att, w.wo, N, H * D, C); // (N, C)
      if (w.bo) addBiasForward(tmp, w.bo, N, C);
      K.addInPlace(x, tmp, N * C);
      K.rmsnorm(xn, x, w.postNorm, N, C, eps);
      this.linear(gate, xn, w.wGate, N, C, I); // (N, I)
      this.linear(up, xn, w.wUp, N, C, I);
      K.swiglu(gate, gate, up, N * I);
      this.linear(tmp, gate, w.wDown, N, I, C); // (N, C)
      K.addInPlace(x, tmp, N * C);
    }
    K.rmsnorm(xn, x, this.finalNorm, N, C, eps);
    for (const e of batch) cache.lengths[e.row]! += e.tokens.length;
    let logits = this.logitsBuf.subarray(0, 0);
    if (mode === "all") {
      this.linear(this.logitsBuf, xn, this.lmHead, N, C, V);
      logits = this.logitsBuf.subarray(0, N * V);
    } else if (mode === "last") {
      for (let b = 0; b < batch.length; b++) {
        const last = offsets[b + 1]! - 1;
        this.lastHidden.set(xn.subarray(last * C, last * C + C), b * C);
      }
      this.linear(this.logitsBuf, this.lastHidden, this.lmHead, M, C, V);
      logits = this.logitsBuf.subarray(0, M * V);
    }
    return { logits, hidden: xn.subarray(0, N * C), offsets: offsets.subarray(0, batch.length + 1), N };
  }
}
