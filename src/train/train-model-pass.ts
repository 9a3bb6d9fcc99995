import { InputError } from "../util/errors.js";
import type { OutputGrads, PassModel, TokenBatch } from "./train-model-types.js";
import { linearForward, linearBackward } from "./ops/linear.js";
import { embeddingForward, embeddingBackward } from "./ops/embedding.js";
import { rmsnormForward, rmsnormBackward } from "./ops/rmsnorm.js";
import { ropeForward, ropeBackward } from "./ops/rope.js";
import { attentionForward, attentionBackward, type AttentionShape } from "./ops/attention.js";
import { trainOpsFor } from "../engine/kernels/index.js";
import { checkRowSelection, gatherRows, scatterAddRows } from "./ops/row-select.js";

/**
 * What one layer saves for backward. The RMSNorm outputs (h1, h2) are recomputed in backward
 * instead (cheap: one multiply per element, saves 2·N·C floats per layer). The SwiGLU product is
 * kept unless the model's recomputeSwiglu is set; σ(gate) is recomputed by the SwiGLU backward op.
 */
interface LayerTape {
  xin: Float32Array; // (N, C) residual stream entering the layer
  rstd1: Float32Array; // (N)
  q: Float32Array; // (N, H·D) projection output before q_norm / RoPE (the same array as qr without q/k norms)
  k: Float32Array; // (N, KV·D)
  v: Float32Array; // (N, KV·D)
  rstdq: Float32Array; // (N·H)
  rstdk: Float32Array; // (N·KV)
  qr: Float32Array; // (N, H·D) after norm + RoPE: attention's input
  kr: Float32Array; // (N, KV·D)
  probs: Float32Array; // (B, H, T, T)
  att: Float32Array; // (N, H·D) attention output before o_proj
  x1: Float32Array; // (N, C) residual after attention
  rstd2: Float32Array; // (N)
  g: Float32Array; // (N, F) gate_proj output
  u: Float32Array; // (N, F) up_proj output
  s: Float32Array | null; // (N, F) silu(g) ⊙ u, down_proj's input; null when recomputed in backward
}

/** Activations of one forward pass; hidden and logits are the outputs losses read. */
export interface Tape {
  batch: Required<TokenBatch>;
  /** (N, C) final hidden states after the final RMSNorm: the T1 embedding source. */
  hidden: Float32Array;
  /** (N, V), or (P, V) with logitPositions, or null when the forward ran without logits. */
  logits: Float32Array | null;
  /** (P) the positions (flat indices into B·T) whose logits are computed; null = all N in order. */
  logitPositions: Int32Array | null;
  layers: LayerTape[];
  xL: Float32Array; // (N, C) residual entering the final norm
  rstdF: Float32Array; // (N)
  /** Floats held by this tape (peak activation memory = 4 bytes × this). */
  floats: number;
  free(): void;
}

/** logitRows: true = logits at every position, false = none, an array = only those positions. */
export function forwardPass(m: PassModel, batchIn: TokenBatch, logitRows: boolean | Int32Array): Tape {
  const { k, config: c } = m;
  const { B, T } = batchIn;
  const N = B * T;
  if (batchIn.ids.length !== N) throw new InputError(`batch ids have ${batchIn.ids.length} entries, expected B·T = ${N}`, { field: "ids" });
  // a selection of every position is the full head (no gather)
  const rows = typeof logitRows === "boolean" ? null : logitRows;
  if (rows) checkRowSelection(rows, N);
  const selected = rows && rows.length < N ? rows : null;
  if (T > c.maxPositions) throw new InputError(`sequence length ${T} exceeds max_position_embeddings ${c.maxPositions}`, { field: "T" });
  const positions = batchIn.positions ?? Int32Array.from({ length: N }, (_, i) => i % T);
  const mask = batchIn.mask ?? new Uint8Array(N).fill(1);
  let maxPos = 0;
  for (let i = 0; i < N; i++) maxPos = Math.max(maxPos, positions[i]);
  if (maxPos >= c.maxPositions) throw new InputError(`position ${maxPos} exceeds max_position_embeddings ${c.maxPositions}`, { field: "positions" });
  const rope = m.ropeFor(maxPos + 1);
  const batch = { B, T, ids: batchIn.ids, mask, positions };
  const C = c.hiddenSize, H = c.heads, KV = c.kvHeads, D = c.headDim, F = c.intermediateSize, V = c.vocabSize, eps = c.rmsNormEps;
  const owned: Float32Array[] = [];
  let floats = 0;
  const pool = m.pool;
  const alloc = (n: number) => {
    const a = pool.take(n);
    owned.push(a);
    floats += n;
    return a;
  };
  const scratchH = pool.take(N * C);
  const shape: AttentionShape = { B, T, H, KV, D };
  let x = alloc(N * C);
  const layers: LayerTape[] = [];
  try {
    embeddingForward(x, batch.ids, m.param("model.embed_tokens.weight").data, N, V, C);
    for (let l = 0; l < c.layers; l++) {
      const p = (n: string) => m.param(`model.layers.${l}.${n}`).data;
      const q = alloc(N * H * D), kk = alloc(N * KV * D);
      // Without q/k norms the pre-RoPE q and k are not needed in backward: RoPE runs in place.
      const t: LayerTape = {
        xin: x, rstd1: alloc(N), q, k: kk, v: alloc(N * KV * D),
        rstdq: alloc(c.qkNorm ? N * H : 0), rstdk: alloc(c.qkNorm ? N * KV : 0),
        qr: c.qkNorm ? alloc(N * H * D) : q, kr: c.qkNorm ? alloc(N * KV * D) : kk,
        probs: alloc(B * H * T * T), att: alloc(N * H * D), x1: alloc(N * C), rstd2: alloc(N), g: alloc(N * F), u: alloc(N * F), s: m.recomputeSwiglu ? null : alloc(N * F),
      };
      const h1 = scratchH;
      rmsnormForward(h1, t.rstd1, t.xin, p("input_layernorm.weight"), N, C, eps);
      linearForward(k, t.q, h1, p("self_attn.q_proj.weight"), N, C, H * D);
      linearForward(k, t.k, h1, p("self_attn.k_proj.weight"), N, C, KV * D);
      linearForward(k, t.v, h1, p("self_attn.v_proj.weight"), N, C, KV * D);
      if (c.qkvBias) {
        addBias(t.q, p("self_attn.q_proj.bias"), N, H * D);
        addBias(t.k, p("self_attn.k_proj.bias"), N, KV * D);
        addBias(t.v, p("self_attn.v_proj.bias"), N, KV * D);
      }
      if (c.qkNorm) {
        rmsnormForward(t.qr, t.rstdq, t.q, p("self_attn.q_norm.weight"), N * H, D, eps);
        rmsnormForward(t.kr, t.rstdk, t.k, p("self_attn.k_norm.weight"), N * KV, D, eps);
      }
      ropeForward(t.qr, t.qr, positions, rope, N, H);
      ropeForward(t.kr, t.kr, positions, rope, N, KV);
      attentionForward(k, t.att, t.probs, t.qr, t.kr, t.v, mask, shape);
      linearForward(k, t.x1, t.att, p("self_attn.o_proj.weight"), N, H * D, C);
      k.addInPlace(t.x1, t.xin, N * C);
      const h2 = scratchH;
      rmsnormForward(h2, t.rstd2, t.x1, p("post_attention_layernorm.weight"), N, C, eps);
      linearForward(k, t.g, h2, p("mlp.gate_proj.weight"), N, C, F);
      linearForward(k, t.u, h2, p("mlp.up_proj.weight"), N, C, F);
      const sw = t.s ?? pool.take(N * F);
      k.swiglu(sw, t.g, t.u, N * F);
      const out = alloc(N * C);
      linearForward(k, out, sw, p("mlp.down_proj.weight"), N, F, C);
      if (!t.s) pool.give(sw);
      k.addInPlace(out, t.x1, N * C);
      layers.push(t);
      x = out;
    }
  } catch (e) {
    for (const a of owned) pool.give(a);
    throw e;
  } finally {
    pool.give(scratchH);
  }
  const hidden = alloc(N * C);
  const rstdF = alloc(N);
  rmsnormForward(hidden, rstdF, x, m.param("model.norm.weight").data, N, C, eps);
  let logits: Float32Array | null = null;
  if (selected) {
    const P = selected.length;
    logits = alloc(P * V);
    if (P > 0) {
      const hs = pool.take(P * C);
      gatherRows(hs, hidden, selected, C);
      linearForward(k, logits, hs, m.lmHead().data, P, C, V);
      pool.give(hs);
    }
  } else if (logitRows !== false) {
    logits = alloc(N * V);
    linearForward(k, logits, hidden, m.lmHead().data, N, C, V);
  }
  return { batch, hidden, logits, logitPositions: selected, layers, xL: x, rstdF, floats, free: () => { for (const a of owned) pool.give(a); owned.length = 0; } };
}

export function backwardPass(m: PassModel, tape: Tape, grads: OutputGrads): void {
  const { k, config: c } = m;
  const { B, T, ids, positions } = tape.batch;
  const N = B * T;
  const C = c.hiddenSize, H = c.heads, KV = c.kvHeads, D = c.headDim, F = c.intermediateSize, V = c.vocabSize, eps = c.rmsNormEps;
  const shape: AttentionShape = { B, T, H, KV, D };
  const rope = m.ropeFor(1);
  const tmp: Float32Array[] = [];
  const a = (n: number) => {
    const x = m.pool.take(n);
    tmp.push(x);
    return x;
  };
  try {
    const dHidden = a(N * C);
    const sel = tape.logitPositions;
    if (grads.dHidden) dHidden.set(grads.dHidden);
    else if (!grads.dLogits || sel) dHidden.fill(0);
    if (grads.dLogits) {
      if (!tape.logits) throw new InputError("dLogits given but the forward pass ran without logits", { field: "dLogits" });
      if (grads.dLogits.length !== tape.logits.length) throw new InputError(`dLogits has ${grads.dLogits.length} entries, the logits ${tape.logits.length}`, { field: "dLogits" });
      const lm = m.lmHead();
      if (!sel) linearBackward(k, dHidden, lm.grad, grads.dLogits, tape.hidden, lm.data, N, C, V, !grads.dHidden);
      else if (sel.length > 0) {
        // the head saw only the selected rows: its gradient flows back into those rows of dHidden
        const P = sel.length, hs = a(P * C), dhs = a(P * C);
        gatherRows(hs, tape.hidden, sel, C);
        linearBackward(k, dhs, lm.grad, grads.dLogits, hs, lm.data, P, C, V, true);
        scatterAddRows(dHidden, dhs, sel, C);
      }
    }
    const dx = a(N * C); // gradient of the residual stream, carried down through the layers
    dx.fill(0);
    const normF = m.param("model.norm.weight");
    rmsnormBackward(dx, normF.grad, dHidden, tape.xL, normF.data, tape.rstdF, N, C);
    const h = a(N * C), dh = a(N * C), ds = a(N * F), dg = a(N * F), du = a(N * F);
    const sRe = m.recomputeSwiglu ? a(N * F) : null;
    const datt = a(N * H * D), dq = a(N * H * D), dk = a(N * KV * D), dv = a(N * KV * D), dqr = a(N * H * D), dkr = a(N * KV * D);
    for (let l = c.layers - 1; l >= 0; l--) {
      const t = tape.layers[l];
      const P = (n: string) => m.param(`model.layers.${l}.${n}`);
      // MLP: x2 = x1 + down(silu(gate(h2)) ⊙ up(h2)), h2 = rmsnorm(x1)
      const w2 = P("post_attention_layernorm.weight");
      rmsnormForward(h, t.rstd2, t.x1, w2.data, N, C, eps);
      const down = P("mlp.down_proj.weight");
      if (sRe) k.swiglu(sRe, t.g, t.u, N * F);
      linearBackward(k, ds, down.grad, dx, (t.s ?? sRe)!, down.data, N, F, C, true);
      trainOpsFor(dg, du, ds, t.g, t.u).swigluBackward(dg, du, ds, t.g, t.u, N * F);
      const gate = P("mlp.gate_proj.weight"), up = P("mlp.up_proj.weight");
      linearBackward(k, dh, gate.grad, dg, h, gate.data, N, C, F, true);
      linearBackward(k, dh, up.grad, du, h, up.data, N, C, F);
      rmsnormBackward(dx, w2.grad, dh, t.x1, w2.data, t.rstd2, N, C); // dx is now d(x1)
      // attention: x1 = xin + o_proj(attn(rope(norm(q)), rope(norm(k)), v)), q/k/v from h1 = rmsnorm(xin)
      const o = P("self_attn.o_proj.weight");
      linearBackward(k, datt, o.grad, dx, t.att, o.data, N, H * D, C, true);
      attentionBackward(k, dqr, dkr, dv, datt, t.probs, t.qr, t.kr, t.v, shape);
      ropeBackward(dqr, dqr, positions, rope, N, H);
      ropeBackward(dkr, dkr, positions, rope, N, KV);
      if (c.qkNorm) {
        dq.fill(0);
        dk.fill(0);
        const qn = P("self_attn.q_norm.weight"), kn = P("self_attn.k_norm.weight");
        rmsnormBackward(dq, qn.grad, dqr, t.q, qn.data, t.rstdq, N * H, D);
        rmsnormBackward(dk, kn.grad, dkr, t.k, kn.data, t.rstdk, N * KV, D);
      } else {
        dq.set(dqr);
        dk.set(dkr);
      }
      if (c.qkvBias) {
        biasBackward(P("self_attn.q_proj.bias").grad, dq, N, H * D);
        biasBackward(P("self_attn.k_proj.bias").grad, dk, N, KV * D);
        biasBackward(P("self_attn.v_proj.bias").grad, dv, N, KV * D);
      }
      const w1 = P("input_layernorm.weight");
      rmsnormForward(h, t.rstd1, t.xin, w1.data, N, C, eps);
      const qp = P("self_attn.q_proj.weight"), kp = P("self_attn.k_proj.weight"), vp = P("self_attn.v_proj.weight");
      linearBackward(k, dh, qp.grad, dq, h, qp.data, N, C, H * D, true);
      linearBackward(k, dh, kp.grad, dk, h, kp.data, N, C, KV * D);
      linearBackward(k, dh, vp.grad, dv, h, vp.data, N, C, KV * D);
      rmsnormBackward(dx, w1.grad, dh, t.xin, w1.data, t.rstd1, N, C); // dx is now d(xin)
    }
    const emb = m.param("model.embed_tokens.weight");
    if (emb.grad) embeddingBackward(emb.grad, dx, ids, N, C);
  } finally {
    for (const x of tmp) m.pool.give(x);
  }
}

function addBias(y: Float32Array, b: Float32Array, N: number, O: number): void {
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) y[n * O + o] += b[o];
}

function biasBackward(db: Float32Array | null, dy: Float32Array, N: number, O: number): void {
  if (!db) return;
  for (let n = 0; n < N; n++) for (let o = 0; o < O; o++) db[o] += dy[n * O + o];
}

