import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertHfToGguf } from "../../src/engine/gguf/convert-hf.js";
import { GgmlType } from "../../src/engine/gguf/constants.js";
import { readGgufHeader } from "../../src/engine/gguf/reader.js";
import { tokenizerFromGguf } from "../../src/engine/gguf/tokenizer-from-gguf.js";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { TextTokenizer } from "../../src/engine/tokenizer/tokenizer.js";
import { sharedPath } from "../../src/util/paths.js";
import { needShared } from "../helpers/shared.js";
import { loadLlamaCpp, mixedText } from "./gguf-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "t1-tokparity-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

function prose(): string[] {
  const out: string[] = [];
  const doc = sharedPath("docs", "T1-METHOD.md");
  if (doc) out.push(readFileSync(doc, "utf8"));
  const cran = sharedPath("data", "classic", "cranfield", "cran.all.1400");
  if (cran) out.push(readFileSync(cran, "utf8").slice(0, 60_000));
  if (!out.length) out.push("The quick brown fox jumps over the lazy dog. It's a test, isn't it?");
  return out;
}

function firstDiff(a: number[], b: number[]): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `lengths ${a.length} vs ${b.length}; first difference at ${i}: ${JSON.stringify(a.slice(Math.max(0, i - 3), i + 5))} vs ${JSON.stringify(b.slice(Math.max(0, i - 3), i + 5))}`;
}

/** HF ids (original tokenizer.json), HF ids (tokenizer.json rebuilt from the GGUF) and llama.cpp ids. */
async function compare(t: import("node:test").TestContext, modelDir: string, specials: string[]) {
  const ll = await loadLlamaCpp();
  if ("skip" in ll) return t.skip(ll.skip);
  const gg = join(dir, `${modelDir.split("/").pop()}.gguf`);
  await convertHfToGguf(modelDir, gg, { type: GgmlType.F32 });
  const text = mixedText(100_000, specials, prose());
  // The engine's tokenizer (TextTokenizer over @huggingface/tokenizers) on the original files...
  const hf = new TextTokenizer(JSON.parse(readFileSync(join(modelDir, "tokenizer.json"), "utf8")), JSON.parse(readFileSync(join(modelDir, "tokenizer_config.json"), "utf8")));
  const rebuilt = tokenizerFromGguf(readGgufHeader(gg));
  // ...and on the tokenizer.json rebuilt from the GGUF (what the engine uses when loading a .gguf).
  const hf2 = new TextTokenizer(rebuilt.tokenizerJson, rebuilt.tokenizerConfig);
  const model = await ll.llama.loadModel({ modelPath: gg });
  try {
    const ours: number[] = hf.encode(text, { addSpecialTokens: false });
    const theirs = model.tokenize(text, true).map(Number);
    assert.ok(ours.length > 10_000, `only ${ours.length} tokens`);
    for (const s of specials) assert.ok(theirs.includes(hf.tokenId(s)!), `llama.cpp did not parse ${s} as one token`);
    assert.ok(ours.length === theirs.length && ours.every((x, i) => x === theirs[i]), `HF vs llama.cpp: ${firstDiff(ours, theirs)}`);
    const fromGguf: number[] = hf2.encode(text, { addSpecialTokens: false });
    assert.ok(fromGguf.length === theirs.length && fromGguf.every((x, i) => x === theirs[i]), `rebuilt tokenizer vs llama.cpp: ${firstDiff(fromGguf, theirs)}`);
    // With special tokens added, both prepend BOS (or nothing) the same way.
    const withSpecial = hf.encode("Hello there", { addSpecialTokens: true });
    assert.deepEqual(hf2.encode("Hello there", { addSpecialTokens: true }), withSpecial);
  } finally {
    await model.dispose();
  }
}

test("stories260k (SentencePiece BPE, byte fallback): HF, rebuilt-from-GGUF and llama.cpp ids agree on 100 kB of mixed text", async (t) => {
  const st = needShared("models", "stories260k");
  if (typeof st !== "string") return t.skip(st.skip);
  await compare(t, st, ["<s>", "</s>"]);
});

test("tiny Qwen3 (byte-level BPE, qwen2 pre-tokenizer, added tokens): HF, rebuilt-from-GGUF and llama.cpp ids agree", async (t) => {
  const m = join(dir, "qwen3");
  createTinyModel(m, { arch: "qwen3", seed: 1, hiddenSize: 32, layers: 1, heads: 2, kvHeads: 1, headDim: 16, intermediateSize: 64, vocab: 1024 });
  await compare(t, m, ["<|im_start|>", "<|im_end|>", "<emb_token>", "<think>", "</think>", "<|endoftext|>"]);
});
