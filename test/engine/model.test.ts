import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadModel, type Model } from "../../src/engine/model.js";
import { needShared } from "../helpers/shared.js";

const FIX = join(import.meta.dirname, "..", "fixtures", "engine");
let qwen: Model | undefined;
async function tinyQwen(): Promise<Model> {
  return (qwen ??= await loadModel(join(FIX, "tiny-qwen3")));
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test("KV-cache decode, one token at a time, equals a full recompute", async () => {
  const m = await tinyQwen();
  const ids = [5, 300, 17, 42, 99, 7, 250, 3, 11, 400];
  const full = m.logits([ids], { all: true })[0]!;
  const tf = m.transformer;
  const cache = tf.createCache(1, ids.length);
  const V = m.vocabSize;
  tf.forward(cache, [{ row: 0, tokens: ids.slice(0, 4) }], { logits: "none" });
  for (let t = 4; t < ids.length; t++) {
    const r = tf.forward(cache, [{ row: 0, tokens: [ids[t]!] }]);
    // f32 logits of magnitude ~50: summation order differs between M=1 and M=10 matmuls.
    assert.ok(maxDiff(r.logits.subarray(0, V), full.subarray(t * V, (t + 1) * V)) < 1e-4, `position ${t}`);
  }
  cache.free();
});

test("embed reads the last <emb_token> of each row; batched equals one at a time", async () => {
  const m = await tinyQwen();
  const emb = m.embTokenId!;
  const rows = [
    [10, 20, emb, 30, 40, emb, 50], // last emb in the middle: padding-style "last row" would be wrong
    [emb],
    [7, 8, 9, 10, 11, 12, 13, 14, 15, emb],
  ];
  const got = await m.embed(rows, { batchTokens: 64 });
  const C = m.hiddenSize;
  for (let i = 0; i < rows.length; i++) {
    const ids = rows[i]!;
    const cache = m.transformer.createCache(1, ids.length);
    const r = m.transformer.forward(cache, [{ row: 0, tokens: ids }], { logits: "none" });
    const at = ids.lastIndexOf(emb);
    assert.ok(maxDiff(got[i]!, r.hidden.subarray(at * C, at * C + C)) < 1e-5, `row ${i}`);
    cache.free();
  }
  // One per batch gives the same vectors.
  const single = await m.embed(rows, { batchTokens: 1 });
  for (let i = 0; i < rows.length; i++) assert.ok(maxDiff(got[i]!, single[i]!) < 1e-5);
  // Text input gets <emb_token> appended; id input without it is refused.
  const [a] = await m.embed(["the sky is blue"]);
  const [b] = await m.embed([[...m.encode("the sky is blue"), emb]]);
  assert.ok(maxDiff(a!, b!) === 0);
  await assert.rejects(m.embed([[1, 2, 3]]), /has no <emb_token>/);
  // A text that mentions <emb_token> mid-way still gets one at its end.
  const [mid] = await m.embed(["a <emb_token> b"]);
  const [end] = await m.embed([[...m.encode("a <emb_token> b"), emb]]);
  assert.ok(maxDiff(mid!, end!) === 0);
});

test("generateThenEmbed reuses the cache and equals a fresh prefill of prompt + output + <emb_token>", async () => {
  const m = await tinyQwen();
  const prompts = [m.chatPrompt([{ role: "user", content: "Why is the sky blue?" }], { enableThinking: false }), [3, 4, 5]];
  const res = await m.generateThenEmbed(prompts, { maxTokens: 6, stopTokens: [], prefillTokens: 5 });
  const emb = m.embTokenId!;
  for (let i = 0; i < prompts.length; i++) {
    assert.equal(res[i]!.ids.length, 6);
    const [ref] = await m.embed([[...prompts[i]!, ...res[i]!.ids, emb]]);
    assert.ok(maxDiff(res[i]!.embedding, ref!) < 1e-5, `row ${i}`);
  }
});

test("generateThenEmbed after a stop token: <emb_token> follows the output, the stop token is not in the cache", async () => {
  const m = await tinyQwen();
  const [free] = await m.generateText(["Hello"], { maxTokens: 10, stopTokens: [] });
  const stopAt = free!.ids[4]!;
  const [r] = await m.generateThenEmbed(["Hello", "Other prompt"], { maxTokens: 10, stopTokens: [stopAt] });
  assert.equal(r!.finishReason, "stop");
  assert.deepEqual(r!.ids, free!.ids.slice(0, free!.ids.indexOf(stopAt)));
  const [ref] = await m.embed([[...m.encode("Hello"), ...r!.ids, m.embTokenId!]]);
  assert.ok(maxDiff(r!.embedding, ref!) < 1e-5);
  const zero = await m.generateThenEmbed(["Hello"], { maxTokens: 0 });
  const [ref0] = await m.embed([[...m.encode("Hello"), m.embTokenId!]]);
  assert.deepEqual(zero[0]!.ids, []);
  assert.ok(maxDiff(zero[0]!.embedding, ref0!) < 1e-5);
  await assert.rejects(m.generateText([[]]), /prompt 0 is empty/);
});

test("greedy generation of a batch equals each prompt alone; streaming text equals the final text", async () => {
  const m = await tinyQwen();
  const prompts = ["Once upon a time", "The library", "Why?"];
  const batch = await m.generateText(prompts, { maxTokens: 8 });
  for (let i = 0; i < prompts.length; i++) {
    const [alone] = await m.generateText([prompts[i]!], { maxTokens: 8 });
    assert.deepEqual(batch[i]!.ids, alone!.ids);
  }
  // Prefill split into passes of 3 tokens (prompts cut mid-way) changes nothing.
  const split = await m.generateText(prompts, { maxTokens: 8, prefillTokens: 3 });
  assert.deepEqual(split.map((r) => r.ids), batch.map((r) => r.ids));
  const texts = prompts.map(() => "");
  const ends: string[] = [];
  for await (const ev of m.generate(prompts, { maxTokens: 8 })) {
    texts[ev.row] += ev.text;
    if (ev.finishReason) ends[ev.row] = ev.finishReason;
  }
  assert.deepEqual(texts, batch.map((r) => r.text));
  assert.deepEqual(ends, batch.map((r) => r.finishReason));
});

test("sampling: same seed same text, other seed other text, topK=1 is greedy", async () => {
  // The untied qwen2 fixture: tied random embeddings make a token predict itself with near certainty.
  const m = await loadModel(join(FIX, "tiny-qwen2"));
  const opt = { maxTokens: 20, temperature: 1.5, seed: 42, stopTokens: [] };
  const a = await m.generateText(["Hello"], opt);
  const b = await m.generateText(["Hello"], opt);
  const c = await m.generateText(["Hello"], { ...opt, seed: 43 });
  assert.deepEqual(a[0]!.ids, b[0]!.ids);
  assert.notDeepEqual(a[0]!.ids, c[0]!.ids);
  const k1 = await m.generateText(["Hello"], { ...opt, topK: 1 });
  const g = await m.generateText(["Hello"], { maxTokens: 20, stopTokens: [] });
  assert.deepEqual(k1[0]!.ids, g[0]!.ids);
  const p = await m.generateText(["Hello"], { ...opt, topP: 1e-9 });
  assert.deepEqual(p[0]!.ids, g[0]!.ids, "tiny top-p keeps only the most likely token");
  await assert.rejects(m.generateText(["Hello"], { temperature: -1 }), /temperature/);
});

test("repeated prompts are prefilled once and copied; sampled rows stay independent and identical to no sharing", async () => {
  const m = await loadModel(join(FIX, "tiny-qwen2"));
  const prompts = ["Hello there", "Other", "Hello there", "Hello there"];
  const opt = { maxTokens: 12, temperature: 1.2, seed: 9, stopTokens: [] };
  const shared = await m.generateThenEmbed(prompts, { ...opt, prefillTokens: 4 });
  const plain = await m.generateThenEmbed(prompts, { ...opt, prefillTokens: 4, sharePrompts: false });
  for (let i = 0; i < prompts.length; i++) {
    assert.deepEqual(shared[i]!.ids, plain[i]!.ids);
    assert.ok(maxDiff(shared[i]!.embedding, plain[i]!.embedding) < 1e-5);
  }
  assert.notDeepEqual(shared[0]!.ids, shared[2]!.ids, "each row samples with its own seed");
});

test("stop tokens end a row without being emitted", async () => {
  const m = await tinyQwen();
  const [free] = await m.generateText(["Hello"], { maxTokens: 10, stopTokens: [] });
  const stopAt = free!.ids[3]!;
  const firstIdx = free!.ids.indexOf(stopAt);
  const [stopped] = await m.generateText(["Hello"], { maxTokens: 10, stopTokens: [stopAt] });
  assert.deepEqual(stopped!.ids, free!.ids.slice(0, firstIdx));
  assert.equal(stopped!.finishReason, "stop");
  assert.equal(free!.finishReason, "length");
  assert.deepEqual(m.stopTokenIds, [m.encode("<|endoftext|>")[0], m.encode("<|im_end|>")[0]].sort((x, y) => x! - y!));
});

test("chat template: Qwen3 enable_thinking=false pre-fills an empty think block", async () => {
  const m = await tinyQwen();
  const tok = m.tokenizer!;
  const msgs = [{ role: "user", content: "Hi" }];
  assert.equal(tok.applyChatTemplate(msgs), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  assert.equal(tok.applyChatTemplate(msgs, { enableThinking: false }), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  const ids = m.chatPrompt(msgs);
  assert.equal(ids[0], tok.tokenId("<|im_start|>"));
});

test("stories260k: greedy decoding from BOS tells the known story", async (t) => {
  const p = needShared("models", "stories260k");
  if (typeof p !== "string") return t.skip(p.skip);
  const m = await loadModel(p);
  assert.deepEqual(m.encode("Once").slice(0, 1), [1], "llama adds BOS");
  const [r] = await m.generateText([[1]], { maxTokens: 40 });
  assert.ok(r!.text.startsWith("Once upon a time, there was a little girl named Lily."), r!.text);
});

test("f16 weights: logits close to f32, stories260k still tells its story", async (t) => {
  const f32 = await tinyQwen();
  const h = await loadModel(join(FIX, "tiny-qwen3"), { weights: "f16" });
  const ids = [5, 300, 17, 42, 99];
  const a = f32.logits([ids], { all: true })[0]!;
  const b = h.logits([ids], { all: true })[0]!;
  let worst = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  assert.ok(worst > 0, "f16 storage must actually round the weights");
  assert.ok(worst < 2e-2 * scale, `f16 logits differ by ${worst} (max |logit| ${scale})`);
  h.dispose();
  const p = needShared("models", "stories260k");
  if (typeof p !== "string") return t.skip(p.skip);
  const s = await loadModel(p, { weights: "f16" });
  const [r] = await s.generateText([[1]], { maxTokens: 20 });
  assert.ok(r!.text.startsWith("Once upon a time, there was a little girl named Lily"), r!.text);
  s.dispose();
});

test("modelFromCheckpoint reads the caller's arrays: an in-place weight update changes the output", async () => {
  const { loadCheckpoint } = await import("../../src/engine/weight-source.js");
  const { getKernels } = await import("../../src/engine/kernels/index.js");
  const { modelFromCheckpoint } = await import("../../src/engine/model.js");
  const kernels = getKernels();
  const ck = await loadCheckpoint(join(FIX, "tiny-qwen3"), (n) => kernels.alloc(n));
  const m = modelFromCheckpoint(ck, { kernels });
  const before = m.logits([[5, 6, 7]])[0]!;
  assert.ok(maxDiff(before, (await tinyQwen()).logits([[5, 6, 7]])[0]!) < 1e-6);
  const w = ck.tensors.get("model.norm.weight")!.data;
  for (let i = 0; i < w.length; i++) w[i]! *= 2;
  const after = m.logits([[5, 6, 7]])[0]!;
  for (let i = 0; i < after.length; i++) assert.ok(Math.abs(after[i]! - 2 * before[i]!) < 1e-4);
});

test("weights auto: a bf16 checkpoint is held as f16 (exact conversion), an f32 one as f32", async () => {
  const { cpSync, mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { readSafetensors, writeSafetensors } = await import("../../src/engine/safetensors.js");
  const dir = mkdtempSync(join(tmpdir(), "bf16-"));
  cpSync(join(FIX, "tiny-qwen3"), dir, { recursive: true });
  writeSafetensors(join(dir, "model.safetensors"), await readSafetensors(dir), {}, { dtype: "BF16" });
  const auto = await loadModel(dir);
  const exact = await loadModel(dir, { weights: "f32" });
  assert.equal(auto.transformer.weightStorage, "f16");
  assert.equal(exact.transformer.weightStorage, "f32");
  assert.equal((await tinyQwen()).transformer.weightStorage, "f32");
  const a = auto.logits([[5, 6, 7, 8]])[0]!;
  const b = exact.logits([[5, 6, 7, 8]])[0]!;
  assert.ok(maxDiff(a, b) < 1e-4, `bf16 held as f16 vs f32 differ by ${maxDiff(a, b)}`);
  auto.dispose();
  exact.dispose();
});

test("a chat_template.jinja file is used when tokenizer_config.json has no template", async () => {
  const { cpSync, mkdtempSync, readFileSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "jinja-"));
  cpSync(join(FIX, "tiny-qwen3"), dir, { recursive: true });
  const cfg = JSON.parse(readFileSync(join(dir, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
  delete cfg.chat_template;
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify(cfg));
  writeFileSync(join(dir, "chat_template.jinja"), "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}");
  const m = await loadModel(dir);
  assert.equal(m.tokenizer!.applyChatTemplate([{ role: "user", content: "hi" }]), "[user]hi");
});

test("weights auto on GGUF: an F16 file is held as f16, an F32 file as f32, both load through loadModel", async () => {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { convertHfToGguf } = await import("../../src/engine/gguf/convert-hf.js");
  const { GgmlType } = await import("../../src/engine/gguf/constants.js");
  const dir = mkdtempSync(join(tmpdir(), "gguf-"));
  await convertHfToGguf(join(FIX, "tiny-qwen3"), join(dir, "f16.gguf"), { type: GgmlType.F16 });
  await convertHfToGguf(join(FIX, "tiny-qwen3"), join(dir, "f32.gguf"), { type: GgmlType.F32 });
  const h = await loadModel(join(dir, "f16.gguf"));
  const f = await loadModel(join(dir, "f32.gguf"));
  assert.equal(h.transformer.weightStorage, "f16");
  assert.equal(f.transformer.weightStorage, "f32");
  const ref = (await tinyQwen()).logits([[5, 6, 7]])[0]!;
  assert.ok(maxDiff(f.logits([[5, 6, 7]])[0]!, ref) < 1e-4);
  const scale = Math.max(...Array.from(ref, Math.abs));
  assert.ok(maxDiff(h.logits([[5, 6, 7]])[0]!, ref) < 2e-2 * scale);
  h.dispose();
  f.dispose();
});
