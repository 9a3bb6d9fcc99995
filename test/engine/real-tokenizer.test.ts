/**
 * The real Qwen3 tokenizer (../shared/models/qwen3-tokenizer) on the native engine
 * (@huggingface/tokenizers over tokenizer.json, and over the tokenizer.json rebuilt from our GGUF)
 * against llama.cpp's own tokenizer reading our GGUF export: identical ids on 100+ kB of mixed
 * text and on every T1 input, one comparison through `t1 tokenize`; and what happens at the
 * prompt/reasoning boundary (docs/TOKENIZATION.md).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModelTokenizer } from "../../src/engine/tokenizer/model-tokenizer.js";
import type { TextTokenizer } from "../../src/engine/tokenizer/tokenizer.js";
import { LlamaCppTokenizer } from "../../src/backends/llamacpp-tokenizer.js";
import { needShared } from "../helpers/shared.js";
import { mixedRealText } from "../helpers/mixed-text.js";
import { buildRealQwen3, EMB_TOKEN_ID, type RealQwen3 } from "../helpers/real-qwen3.js";
import { loadLlamaCpp } from "./gguf-helpers.js";

const tokDir = needShared("models", "qwen3-tokenizer");
const SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<emb_token>", "<tool_call>", "<|fim_prefix|>"];
const root = mkdtempSync(join(tmpdir(), "t1-realtok-"));
let skip: string | undefined = typeof tokDir === "string" ? undefined : tokDir.skip;
let model: RealQwen3;
let hf: TextTokenizer;
let fromGguf: TextTokenizer;
let llama: LlamaCppTokenizer;

before(async () => {
  if (skip) return;
  const ll = await loadLlamaCpp();
  if ("skip" in ll) {
    skip = ll.skip;
    return;
  }
  // The weights do not matter here: the smallest Qwen3 shape llama.cpp accepts.
  model = await buildRealQwen3(root, tokDir as string, { layout: "mre-t1", hiddenSize: 8, layers: 1, heads: 2, kvHeads: 1, headDim: 4, intermediateSize: 16 });
  hf = loadModelTokenizer(model.dir);
  fromGguf = loadModelTokenizer(model.gguf);
  llama = await LlamaCppTokenizer.open(model.gguf);
});
after(async () => {
  await llama?.close();
  rmSync(root, { recursive: true, force: true });
});

function firstDiff(a: number[], b: number[]): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `lengths ${a.length} vs ${b.length}; first difference at ${i}: ${JSON.stringify(a.slice(Math.max(0, i - 3), i + 5))} vs ${JSON.stringify(b.slice(Math.max(0, i - 3), i + 5))}`;
}

function sameIds(a: number[], b: number[], label: string): void {
  assert.ok(a.length === b.length && a.every((x, i) => x === b[i]), `${label}: ${firstDiff(a, b)}`);
}

function text(): string {
  const doc = needShared("docs", "T1-METHOD.md");
  return mixedRealText(110_000, { seed: 7, specials: SPECIALS, prose: typeof doc === "string" ? [readFileSync(doc, "utf8")] : [] });
}

test("the real vocabulary: 151,670 tokens with <emb_token> = 151669, in the HF files and in the GGUF", (t) => {
  if (skip) return t.skip(skip);
  assert.equal(hf.size, 151_670);
  assert.equal(fromGguf.size, 151_670);
  assert.equal(hf.tokenId("<emb_token>"), EMB_TOKEN_ID);
  assert.equal(model.vocabSize, 151_670, "MRE-T1's layout: one embedding row per token");
  // Tokens that are also Object property names keep their ids in the tokenizer rebuilt from GGUF.
  for (const w of ["constructor", "toString", "valueOf"]) assert.deepEqual(fromGguf.encode(w, { addSpecialTokens: false }), [hf.tokenId(w)], w);
  const header = JSON.parse(readFileSync(join(model.dir, "config.json"), "utf8")) as { vocab_size: number };
  assert.equal(header.vocab_size, 151_670);
});

test("native, rebuilt-from-GGUF and llama.cpp ids agree on 110 kB of prose, code, LaTeX, CJK, emoji, numbers and whitespace runs", (t) => {
  if (skip) return t.skip(skip);
  const s = text();
  assert.ok(Buffer.byteLength(s) >= 100_000);
  for (const parseSpecial of [true, false]) {
    const ours = (parseSpecial ? hf : loadModelTokenizer(model.dir, { parseSpecial })).encode(s, { addSpecialTokens: false });
    const theirs = llama.encode(s, { parseSpecial });
    const rebuilt = (parseSpecial ? fromGguf : loadModelTokenizer(model.gguf, { parseSpecial })).encode(s, { addSpecialTokens: false });
    t.diagnostic(`parseSpecial=${parseSpecial}: ${Buffer.byteLength(s)} bytes → ${ours.length} tokens`);
    sameIds(ours, theirs, `native vs llama.cpp (parseSpecial ${parseSpecial})`);
    sameIds(rebuilt, theirs, `rebuilt-from-GGUF vs llama.cpp (parseSpecial ${parseSpecial})`);
    assert.equal(ours.includes(EMB_TOKEN_ID), parseSpecial, "<emb_token> is one id exactly when special tokens are parsed");
    assert.ok(ours.includes(151667), "<think> (added, not special) is one token either way");
  }
  // Decoding gives the text back on both sides.
  const ids = hf.encode(s, { addSpecialTokens: false });
  assert.equal(hf.decode(ids), s);
  assert.equal(llama.decode(ids), s);
});

test("t1 tokenize: the CLI prints the same ids for native (folder) and llama.cpp (GGUF)", (t) => {
  if (skip) return t.skip(skip);
  const s = text();
  const main = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");
  const run = (args: string[]): number[] => {
    const r = spawnSync(process.execPath, ["--import", "tsx", main, "tokenize", ...args, "--json"], { input: s, encoding: "utf8", maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as number[];
  };
  const expected = hf.encode(s, { addSpecialTokens: false });
  sameIds(run(["--model", model.dir, "--special"]), expected, "t1 tokenize native folder");
  sameIds(run(["--model", model.gguf, "--backend", "llamacpp", "--special"]), expected, "t1 tokenize llamacpp");
  // Bad input: one line naming the problem, no stack trace.
  const bad = spawnSync(process.execPath, ["--import", "tsx", main, "tokenize", "--model", model.dir, "--backend", "llamacpp"], { input: "x", encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^t1: error \[BAD_INPUT\]: .*llama\.cpp reads \.gguf files.*\n$/);
});

/** Qwen3 prompts as the chat template renders them (golden strings: test/backends/qwen3-chat-template.test.ts). */
const PROMPT_THINKING = "<|im_start|>user\nGiven a question, retrieve passages\nwhy is the sky blue?<|im_end|>\n<|im_start|>assistant\n";
const PROMPT_NO_THINKING = PROMPT_THINKING + "<think>\n\n</think>\n\n";
const REASONINGS = [
  "The sky scatters blue light.", " The sky", "  two spaces", "\tTab first", "\nnewline first", "\n\nblank line first",
  "\r\nCRLF first", "<think>\nLet me think about Rayleigh scattering.\n</think>\n\nBlue light scatters more.", "trailing newline\n", "",
];

test("T1 inputs: chat prompts with thinking on and off, think blocks, reasoning with leading whitespace, <emb_token>: native = llama.cpp", (t) => {
  if (skip) return t.skip(skip);
  for (const prompt of [PROMPT_THINKING, PROMPT_NO_THINKING, "<|im_start|>system\nYou retrieve.<|im_end|>\n" + PROMPT_THINKING]) {
    for (const r of REASONINGS) {
      const s = prompt + r + "<emb_token>";
      sameIds(hf.encode(s, { addSpecialTokens: false }), llama.encode(s), JSON.stringify(r));
      sameIds(hf.encode(r, { addSpecialTokens: false }), llama.encode(r), `reasoning alone ${JSON.stringify(r)}`);
    }
    sameIds(hf.encode(prompt, { addSpecialTokens: false }), llama.encode(prompt), "prompt alone");
  }
  const ids = hf.encode(PROMPT_NO_THINKING + "x<emb_token>", { addSpecialTokens: false });
  assert.deepEqual(ids.slice(-9, -1), [151644, 77091, 198, 151667, 271, 151668, 271, 87], "…<|im_start|>assistant\\n<think>\\n\\n</think>\\n\\nx");
});

/** The reasonings whose ids differ when tokenised joined to the prompt: those starting with "\n". */
const MERGES_ACROSS = new Set(["\nnewline first", "\n\nblank line first"]);

test("prompt/reasoning boundary: the two parts tokenised apart equal the joined text unless the reasoning starts with a newline", (t) => {
  if (skip) return t.skip(skip);
  const findings: string[] = [];
  for (const prompt of [PROMPT_THINKING, PROMPT_NO_THINKING]) {
    for (const r of REASONINGS) {
      const joined = hf.encode(prompt + r + "<emb_token>", { addSpecialTokens: false });
      const apart = [...hf.encode(prompt, { addSpecialTokens: false }), ...hf.encode(r, { addSpecialTokens: false }), EMB_TOKEN_ID];
      const llamaApart = [...llama.encode(prompt), ...llama.encode(r), EMB_TOKEN_ID];
      sameIds(apart, llamaApart, "two-part ids agree across libraries too");
      const same = joined.length === apart.length && joined.every((x, i) => x === apart[i]);
      findings.push(`${prompt === PROMPT_THINKING ? "thinking" : "no-thinking"} ${JSON.stringify(r)}: ${same ? "same" : `differs (${joined.length} vs ${apart.length} ids)`}`);
      // The prompt ends in "\n"; Qwen's pre-tokenizer pattern \s*[\r\n]+ makes that "\n" and the
      // reasoning's leading newlines one piece, which BPE merges ("\n\n" = id 271) when joined. A
      // leading "\r\n" is one piece with it too, but BPE merges "\r\n" first: the same ids.
      assert.equal(same, !MERGES_ACROSS.has(r), `${JSON.stringify(r)} after ${JSON.stringify(prompt.slice(-12))}`);
    }
  }
  t.diagnostic(findings.join("; "));
  // The exact merge: "assistant\n" + "\nnewline first" → "\n\n" (271) joined; "\n","\n" (198, 198) apart.
  const joined = hf.encode(PROMPT_THINKING + "\nnewline", { addSpecialTokens: false });
  const word = hf.encode("newline", { addSpecialTokens: false });
  assert.deepEqual(joined.slice(-2 - word.length), [77091, 271, ...word]);
  const apart = [...hf.encode(PROMPT_THINKING, { addSpecialTokens: false }), ...hf.encode("\nnewline", { addSpecialTokens: false })];
  assert.deepEqual(apart.slice(-3 - word.length), [77091, 198, 198, ...word]);
});
