// The stage formats are the retrieval formats: the training model's <emb_token> embeddings of a
// stage-1 query, a stage-2 query (reasoning as "external" mode) and a document equal what the
// retrieval encoders compute with the native backend for the same texts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../../src/engine/tiny-model.js";
import { getKernels } from "../../../src/engine/kernels/index.js";
import { NativeBackend } from "../../../src/backends/native.js";
import { encodeQueries } from "../../../src/retrieval/encoders/query-encoder.js";
import { documentPrefix } from "../../../src/retrieval/encoders/instructions.js";
import { readTrainModelConfig } from "../../../src/train/model-config.js";
import { TrainModel } from "../../../src/train/train-model.js";
import { embedPass } from "../../../src/train/stages/policy-pass.js";
import { documentIds, loadTokenizer, padBatch, plainQueryIds, queryPromptIds, reasoningQueryIds, t1Formats } from "../../../src/train/stages/formats.js";
import { layoutRollout } from "../../../src/train/stages/rollout.js";
import { loadModel } from "../../../src/engine/model.js";

const cos = (a: Float32Array, b: Float32Array) => {
  let d = 0, x = 0, y = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    x += a[i] * a[i];
    y += b[i] * b[i];
  }
  return d / Math.sqrt(x * y);
};

test("stage formats embed exactly as the retrieval encoders (none / external query modes, documents)", { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-stage-parity-"));
  const k = getKernels();
  try {
    const dir = join(root, "model");
    createTinyModel(dir, { arch: "qwen3", seed: 4, hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, intermediateSize: 64 });
    const instruction = "Given a biology post, retrieve relevant passages that help answer the post";
    const f = t1Formats(loadTokenizer(dir), { instruction, maxDocLength: 64 });
    const model = await TrainModel.load(k, readTrainModelConfig(join(dir, "config.json")), dir);
    const backend = await NativeBackend.open({ model: dir, kernels: k });
    try {
      const q = { id: "q1", text: "Why do onions make you cry?", reasoning: "Cutting releases a sulfur compound that irritates the eyes." };
      const doc = "Syn-propanethial-S-oxide is released when onion cells are broken.";
      const seqs = [plainQueryIds(f, q.text), reasoningQueryIds(f, q.text, q.reasoning).ids, documentIds(f, doc)];
      const b = padBatch(seqs, f.padId);
      const e = embedPass(model, { B: b.B, T: b.T, ids: b.ids, mask: b.mask }, b.embPositions);
      e.free();
      const C = model.config.hiddenSize;
      const ours = [0, 1, 2].map((i) => e.emb.slice(i * C, i * C + C));
      const [none] = await encodeQueries(backend, [q], { mode: "none", instruction });
      const [ext] = await encodeQueries(backend, [q], { mode: "external", instruction });
      const [d] = await backend.embedDocuments([doc], { instruction: documentPrefix(instruction), maxLength: 64 });
      for (const [name, a, r] of [["query (none)", ours[0], none.vector], ["query + reasoning (external)", ours[1], ext.vector], ["document", ours[2], d]] as const) {
        const c = cos(a, r);
        assert.ok(c > 0.9999, `${name}: cosine ${c}`);
      }
    } finally {
      await backend.close();
    }
  } finally {
    k.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});

test("a GRPO trajectory is embedded as the reason-mode encoder embeds it (generate, then <emb_token> on the same cache)", { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "t1-stage-parity3-"));
  const k = getKernels();
  try {
    const dir = join(root, "model");
    createTinyModel(dir, { arch: "qwen3", seed: 4, hiddenSize: 32, layers: 2, heads: 4, kvHeads: 2, headDim: 8, intermediateSize: 64, initScale: 0.3, tieEmbeddings: false });
    const f = t1Formats(loadTokenizer(dir), { instruction: "Find it" });
    const model = await TrainModel.load(k, readTrainModelConfig(join(dir, "config.json")), dir);
    const engine = await loadModel(dir, { kernels: k, weights: "f32" });
    try {
      const prompt = queryPromptIds(f, "Why is the sky blue?");
      const stop = f.tokenizer.tokenId("<|im_end|>")!;
      const gen = await engine.generateThenEmbed([prompt, prompt], { temperature: 1, maxTokens: 7, seed: 5, stopTokens: [stop] });
      const roll = layoutRollout([prompt, prompt], gen.map((g) => g.ids), gen.map((g) => g.finishReason === "stop"), { stopId: stop, embId: f.embId, padId: f.padId });
      const e = embedPass(model, roll.batch, roll.embPositions);
      e.free();
      const C = model.config.hiddenSize;
      gen.forEach((g, i) => {
        const c = cos(e.emb.slice(i * C, i * C + C), g.embedding);
        assert.ok(c > 0.9999, `trajectory ${i}: cosine ${c}`);
      });
    } finally {
      engine.dispose();
    }
  } finally {
    k.dispose();
    rmSync(root, { recursive: true, force: true });
  }
});
