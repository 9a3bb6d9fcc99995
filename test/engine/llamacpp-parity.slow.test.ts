/**
 * llama.cpp parity at a larger scale than the fast suite: ~3.5M-parameter Qwen3 and Llama shapes,
 * a 2,400-character prompt (hundreds of tokens: RoPE far from position 0) and 64 greedy tokens.
 */
import { test, after } from "node:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKernels } from "../../src/engine/kernels/index.js";
import { packageRoot } from "../../src/util/paths.js";
import { needShared } from "../helpers/shared.js";
import { parity } from "./llamacpp-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "t1-llamacpp-slow-"));
const kernels = createKernels({ threads: 1 });
after(() => {
  kernels.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function longText(): string {
  return readFileSync(join(packageRoot(), "docs", "METHOD.md"), "utf8").slice(0, 2400);
}

test("Qwen3 ~3.5M (hidden 256, 4 layers, head_dim 48), long prompt: 64 greedy tokens and <emb_token> state match llama.cpp", async (t) => {
  const model = { arch: "qwen3" as const, seed: 21, hiddenSize: 256, layers: 4, heads: 8, kvHeads: 2, headDim: 48, intermediateSize: 768, vocab: 1024 };
  await parity(t, { dir, kernels, model, steps: 64, promptText: `<|im_start|>user\n${longText()}<|im_end|>\n<|im_start|>assistant\n<think>\n` });
});

test("Llama ~3.5M (stories tokenizer, untied, hidden 256, 4 layers, head_dim 48): 64 greedy tokens and last state match llama.cpp", async (t) => {
  const st = needShared("models", "stories260k");
  if (typeof st !== "string") return t.skip(st.skip);
  const model = { arch: "llama" as const, seed: 22, hiddenSize: 256, layers: 4, heads: 8, kvHeads: 4, headDim: 48, intermediateSize: 640, tieEmbeddings: false };
  await parity(t, { dir, kernels, model, steps: 64, promptText: longText() });
});
