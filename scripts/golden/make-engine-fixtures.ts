/**
 * Creates the tiny random models under test/fixtures/engine/ that the golden parity tests use.
 * Run: npx tsx scripts/golden/make-engine-fixtures.ts && /usr/bin/python3 scripts/golden/engine_golden.py
 * The llama fixture has no tokenizer: its tokenizer would be a copy of ../shared's, which never
 * goes into the repository; its tests work on token ids.
 */
import { join } from "node:path";
import { createTinyModel } from "../../src/engine/tiny-model.js";

const root = join(import.meta.dirname, "..", "..", "test", "fixtures", "engine");
createTinyModel(join(root, "tiny-qwen3"), {
  arch: "qwen3", seed: 11, hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 32, intermediateSize: 128, vocab: 512,
});
createTinyModel(join(root, "tiny-qwen2"), {
  arch: "qwen2", seed: 12, hiddenSize: 48, layers: 2, heads: 6, kvHeads: 2, headDim: 8, intermediateSize: 96, vocab: 320, tieEmbeddings: false,
});
createTinyModel(join(root, "tiny-llama"), {
  arch: "llama", seed: 13, hiddenSize: 64, layers: 2, heads: 4, kvHeads: 1, headDim: 16, intermediateSize: 96, vocab: 512,
  tieEmbeddings: false, withTokenizer: false,
});
// A Llama with head_dim != hidden / heads (20 vs 12), as real Qwen3 has: the golden test must not
// only see models where the two agree.
createTinyModel(join(root, "tiny-llama-hd"), {
  arch: "llama", seed: 14, hiddenSize: 48, layers: 2, heads: 4, kvHeads: 2, headDim: 20, intermediateSize: 64, vocab: 256,
  tieEmbeddings: false, withTokenizer: false,
});
console.log("wrote fixtures under", root);
