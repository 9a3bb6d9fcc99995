/**
 * Shared by the llama.cpp parity tests: greedy and hidden-state comparisons of our engine against
 * llama.cpp (node-llama-cpp, CPU, 1 thread) on the same weights exported with our GGUF writer.
 * llama.cpp keeps its KV cache in f16 by default, so values differ at ~1e-3; a greedy step may
 * legitimately differ only where our top-2 logits are within 1e-3 (a near-tie).
 */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import { join } from "node:path";
import { createTinyModel, type TinyModelOptions } from "../../src/engine/tiny-model.js";
import { convertHfToGguf } from "../../src/engine/gguf/convert-hf.js";
import { GgmlType } from "../../src/engine/gguf/constants.js";
import { loadModel, type Model } from "../../src/engine/model.js";
import type { Kernels } from "../../src/engine/kernels/types.js";
import { argmaxWithGap, cosine, loadLlamaCpp, type Llama } from "./gguf-helpers.js";

const NEAR_TIE = 1e-3;

/** llama.cpp greedy continuation of `prompt` (token ids), `steps` tokens, no stop tokens. */
async function llamaGreedy(llama: Llama, gguf: string, prompt: number[], steps: number): Promise<number[]> {
  const contextSize = prompt.length + steps + 16;
  const model = await llama.loadModel({ modelPath: gguf });
  try {
    const ctx = await model.createContext({ contextSize, batchSize: contextSize, threads: 1 });
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
export async function llamaLastHidden(llama: Llama, gguf: string, ids: number[]): Promise<number[]> {
  const model = await llama.loadModel({ modelPath: gguf });
  try {
    const ctx = await model.createEmbeddingContext({ contextSize: ids.length + 16, batchSize: ids.length + 16, threads: 1 });
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

export interface ParityCase {
  /** Temp folder for the model and its GGUF. */
  dir: string;
  kernels: Kernels;
  model: TinyModelOptions;
  promptText: string;
  /** Greedy tokens compared. */
  steps: number;
}

/**
 * Exports a random model with our GGUF writer and compares with llama.cpp: the engine loading the
 * GGUF equals the engine loading safetensors; greedy tokens agree except at near-ties; the final
 * hidden state (at `<emb_token>` when the vocabulary has it) agrees with cosine >= 0.99999.
 */
export async function parity(t: TestContext, c: ParityCase): Promise<void> {
  const ll = await loadLlamaCpp();
  if ("skip" in ll) return t.skip(ll.skip);
  const { dir, kernels, promptText } = c;
  const STEPS = c.steps;
  const arch = c.model.arch;
  const mdir = join(dir, `${arch}-${c.model.hiddenSize}`);
  const info = createTinyModel(mdir, c.model);
  const gguf = join(dir, `${arch}-${c.model.hiddenSize}.gguf`);
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
