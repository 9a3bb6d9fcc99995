import { test } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { needShared } from "../helpers/shared.js";
import { compareTokenizers } from "./gguf-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "t1-tokparity-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

test("stories260k (SentencePiece BPE, byte fallback): HF, rebuilt-from-GGUF and llama.cpp ids agree on 100 kB of mixed text", async (t) => {
  const st = needShared("models", "stories260k");
  if (typeof st !== "string") return t.skip(st.skip);
  await compareTokenizers(t, dir, st, ["<s>", "</s>"], 100_000);
});

test("tiny Qwen3 (byte-level BPE, qwen2 pre-tokenizer, added tokens): HF, rebuilt-from-GGUF and llama.cpp ids agree", async (t) => {
  const m = join(dir, "qwen3");
  createTinyModel(m, { arch: "qwen3", seed: 1, hiddenSize: 32, layers: 1, heads: 2, kvHeads: 1, headDim: 16, intermediateSize: 64, vocab: 1024 });
  await compareTokenizers(t, dir, m, ["<|im_start|>", "<|im_end|>", "<emb_token>", "<think>", "</think>", "<|endoftext|>"], 100_000);
});
