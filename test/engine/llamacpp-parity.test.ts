/**
 * Our engine vs llama.cpp (node-llama-cpp, CPU, 1 thread) on the same weights, exported with our
 * GGUF writer: greedy continuations, and final-norm hidden states (the `<emb_token>` embedding).
 * llama.cpp keeps its KV cache in f16 by default, so values differ at ~1e-3; a greedy step may
 * legitimately differ only where our top-2 logits are within 1e-3 (a near-tie).
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel, type TinyModelOptions } from "../../src/engine/tiny-model.js";
import { convertHfToGguf } from "../../src/engine/gguf/convert-hf.js";
import { GgmlType } from "../../src/engine/gguf/constants.js";
import { loadModel, type Model } from "../../src/engine/model.js";
import { createKernels } from "../../src/engine/kernels/index.js";
import { needShared } from "../helpers/shared.js";
import { argmaxWithGap, cosine, loadLlamaCpp, type Llama } from "./gguf-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "t1-llamacpp-"));
const kernels = createKernels({ threads: 1 });
after(() => {
  kernels.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const NEAR_TIE = 1e-3;
const STEPS = 32;

/** llama.cpp greedy continuation of `prompt` (token ids), `steps` tokens, no stop tokens. */
async function llamaGreedy(llama: Llama, gguf: string, prompt: number[], steps: number): Promise<number[]> {
  const model = await llama.loadModel({ modelPath: gguf });
  try {
    const ctx = await model.createContext({ contextSize: 256, batchSize: 256, threads: 1 });
    const seq = ctx.getSequence();
    const out: number[] = [];
    for await (const t of seq.evaluate(prompt as never, { temperature: 0 })) {
      out.push(Number(t));
      if (out.length >= steps) break;
    }
    await ctx.dispose();
    return out;
  } finally {
    await model.dispose();
  }
}

/** llama.cpp's final-norm hidden state at the last token (embedding context, pooling none). */
async function llamaLastHidden(llama: Llama, gguf: string, ids: number[]): Promise<number[]> {
  const model = await llama.loadModel({ modelPath: gguf });
  try {
    const ctx = await model.createEmbeddingContext({ contextSize: 256, batchSize: 256, threads: 1 });
    const e = await ctx.getEmbeddingFor(ids as never);
    await ctx.dispose();
    return Array.from(e.vector);
  } finally {
    await model.dispose();
  }
}

/** Our final-norm hidden state at the last position of `ids`. */
function ourLastHidden(m: Model, ids: number[]): Float32Array {
  const cache = m.transformer.createCache(1, ids.length);
  try {
    const r = m.transformer.forward(cache, [{ row: 0, tokens: ids }], { logits: "none" });
    const C = m.hiddenSize;
    return r.hidden.slice((ids.length - 1) * C, ids.length * C);
  } finally {
    cache.free();
  }
}

/**
 * Teacher-forced check of llama.cpp's greedy tokens against our logits at every step; returns how
 * many steps were near-ties. A mismatch outside a near-tie fails.
 */
function checkGreedy(m: Model, prompt: number[], theirs: number[], label: string): number {
  const all = m.logits([[...prompt, ...theirs]], { all: true })[0]!;
  const V = m.vocabSize;
  let ties = 0;
  for (let i = 0; i < theirs.length; i++) {
    const row = all.subarray((prompt.length - 1 + i) * V, (prompt.length + i) * V);
    const { id, gap } = argmaxWithGap(row);
    if (gap < NEAR_TIE) ties++;
    // llama.cpp may pick another token only when it is within the near-tie margin of our best.
    if (id !== theirs[i] && row[id]! - row[theirs[i]!]! >= NEAR_TIE) {
      assert.fail(`${label}: step ${i}: llama.cpp chose ${theirs[i]} (our logit ${row[theirs[i]!]}), we choose ${id} (logit ${row[id]}, gap to runner-up ${gap})`);
    }
  }
  return ties;
}

async function parity(t: import("node:test").TestContext, arch: TinyModelOptions["arch"], promptText: string) {
  const ll = await loadLlamaCpp();
  if ("skip" in ll) return t.skip(ll.skip);
  const mdir = join(dir, arch);
  // head_dim (24) != hidden / heads (16), as in real Qwen3; GQA 4:2. llama.cpp's qwen2 graph
  // assumes head_dim = hidden / heads (true of every real Qwen2), so qwen2 keeps 16.
  const headDim = arch === "qwen2" ? 16 : 24;
  const info = createTinyModel(mdir, { arch, seed: 7, hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, headDim, intermediateSize: 96, tieEmbeddings: arch !== "qwen2" });
  const gguf = join(dir, `${arch}.gguf`);
  await convertHfToGguf(mdir, gguf, { type: GgmlType.F32 });
  const ours = await loadModel(mdir, { kernels });
  const fromGguf = await loadModel(gguf, { kernels });

  const prompt = ours.encode(promptText);
  // Loading our own GGUF export gives bit-identical weights, hence identical logits.
  assert.deepEqual(fromGguf.logits([prompt])[0], ours.logits([prompt])[0], "engine from GGUF vs from safetensors");
  assert.deepEqual(fromGguf.encode(promptText), prompt, "tokenizer rebuilt from GGUF");

  const theirs = await llamaGreedy(ll.llama, gguf, prompt, STEPS);
  assert.equal(theirs.length, STEPS);
  const ties = checkGreedy(ours, prompt, theirs, arch);
  const [mine] = await ours.generateText([prompt], { maxTokens: STEPS, stopTokens: [] });
  if (ties === 0) assert.deepEqual(mine!.ids, theirs, `${arch}: greedy continuation differs from llama.cpp`);

  // Hidden state at the last token: at <emb_token> where the vocabulary has it.
  const emb = info.specialIds["<emb_token>"];
  const embIds = emb !== undefined ? [...prompt, ...theirs.slice(0, 8), emb] : [...prompt, ...theirs.slice(0, 8)];
  const ourH = emb !== undefined ? (await ours.embed([embIds]))[0]! : ourLastHidden(ours, embIds);
  const theirH = await llamaLastHidden(ll.llama, gguf, embIds);
  assert.equal(theirH.length, ours.hiddenSize);
  const cos = cosine(ourH, theirH);
  let maxAbs = 0;
  for (let i = 0; i < theirH.length; i++) maxAbs = Math.max(maxAbs, Math.abs(ourH[i]! - theirH[i]!));
  t.diagnostic(`${arch}: near-ties ${ties}/${STEPS}, hidden cosine ${cos.toFixed(8)}, max |diff| ${maxAbs.toExponential(2)}`);
  assert.ok(cos >= 0.99999, `${arch}: hidden state cosine ${cos} < 0.99999 (max |diff| ${maxAbs})`);
}

test("tiny Qwen3 (head_dim != hidden/heads, q/k norms): greedy tokens and <emb_token> state match llama.cpp", async (t) => {
  await parity(t, "qwen3", "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n<think>\n");
});

test("tiny Qwen2 (q/k/v biases, untied head): greedy tokens and last hidden state match llama.cpp", async (t) => {
  await parity(t, "qwen2", "<|im_start|>user\nExplain BM25 in one line.<|im_end|>\n<|im_start|>assistant\n");
});

test("tiny Llama (q/k rows permuted for llama.cpp's interleaved RoPE): greedy tokens and last hidden state match llama.cpp", async (t) => {
  const st = needShared("models", "stories260k");
  if (typeof st !== "string") return t.skip(st.skip);
  await parity(t, "llama", "Once upon a time, a little fox");
});

test("f16 and q8_0 exports: our engine (dequantising the GGUF) and llama.cpp agree on the same quantised weights", async (t) => {
  const ll = await loadLlamaCpp();
  if ("skip" in ll) return t.skip(ll.skip);
  const mdir = join(dir, "qwen3-quant");
  const info = createTinyModel(mdir, { arch: "qwen3", seed: 9, hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 32, intermediateSize: 128 });
  const full = await loadModel(mdir, { kernels });
  const ids = [...full.encode("<|im_start|>user\nquantised weights<|im_end|>\n"), info.specialIds["<emb_token>"]!];
  const exact = (await full.embed([ids]))[0]!;
  // llama.cpp multiplies q8_0 weights with q8_0-quantised activations, so its error is larger there.
  for (const [type, minCos] of [[GgmlType.F16, 0.99999], [GgmlType.Q8_0, 0.9995]] as const) {
    const gguf = join(dir, `qwen3-${type}.gguf`);
    await convertHfToGguf(mdir, gguf, { type });
    const ours = (await (await loadModel(gguf, { kernels })).embed([ids]))[0]!;
    const theirs = await llamaLastHidden(ll.llama, gguf, ids);
    const cos = cosine(ours, theirs);
    t.diagnostic(`${GgmlType[type]}: ours vs llama.cpp cosine ${cos.toFixed(7)}; ours vs f32 weights ${cosine(ours, exact).toFixed(7)}`);
    assert.ok(cos >= minCos, `${GgmlType[type]}: cosine ${cos} < ${minCos}`);
  }
});
