/**
 * A Qwen3-shaped T1 model with the REAL Qwen3 tokenizer (random tiny weights, `<emb_token>` added
 * by `t1 add-emb-token`, exported by `t1 convert --to gguf`) on all three backends: native,
 * llama.cpp (our GGUF) and remote (`t1 serve` over loopback). Same vectors (cosine >= 0.9999) and
 * the same greedy reasoning. Built once per file (151,670 × 64 f32 embedding ≈ 39 MB).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NativeBackend } from "../../src/backends/native.js";
import { LlamaCppBackend } from "../../src/backends/llamacpp.js";
import { RemoteBackend } from "../../src/backends/remote.js";
import type { T1Backend } from "../../src/backends/types.js";
import { encodeQueries } from "../../src/retrieval/encoders/query-encoder.js";
import { readGgufHeader, ggufValue } from "../../src/engine/gguf/reader.js";
import { needShared } from "../helpers/shared.js";
import { cosine } from "../helpers/vectors.js";
import { startServeChild } from "../helpers/serve-child.js";
import { buildRealQwen3, EMB_TOKEN_ID, QWEN3_PADDED_ROWS, type RealQwen3 } from "../helpers/real-qwen3.js";
import { loadLlamaCpp } from "../engine/gguf-helpers.js";

const tokDir = needShared("models", "qwen3-tokenizer");
const root = mkdtempSync(join(tmpdir(), "t1-realqwen3-"));
const SHAPE = { hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 16, intermediateSize: 128 };
let skip: string | undefined = typeof tokDir === "string" ? undefined : tokDir.skip;
let model: RealQwen3;
let native: NativeBackend;
let llama: LlamaCppBackend;
let remote: RemoteBackend;
let serve: ChildProcess | undefined;

before(async () => {
  if (skip) return;
  const ll = await loadLlamaCpp();
  if ("skip" in ll) {
    skip = ll.skip;
    return;
  }
  model = await buildRealQwen3(root, tokDir as string, { layout: "mre-t1", ...SHAPE });
  native = await NativeBackend.open({ model: model.dir });
  llama = await LlamaCppBackend.open({ model: model.gguf, gpu: false, threads: 1 });
  const s = await startServeChild(["--model", model.dir]);
  serve = s.child;
  remote = await RemoteBackend.open({ url: s.base });
});
after(async () => {
  serve?.kill("SIGTERM");
  await llama?.close();
  rmSync(root, { recursive: true, force: true });
});

const DOCS = [
  "Rayleigh scattering makes the sky blue: short wavelengths scatter more.",
  "量子力学は、原子や電子のふるまいを記述する物理学の理論です。",
  "def bm25(tf, df):\n    return tf * (k1 + 1) / (tf + k1)  # saturation",
  "Euler's identity $e^{i\\pi} + 1 = 0$ links five constants. 🎉",
  "  Leading spaces,\ttabs\n\n\nand blank lines.",
];
const QUERIES = [
  { id: "q1", text: "why is the sky blue?", reasoning: "\nShort wavelengths scatter more." },
  { id: "q2", text: "量子力学とは何ですか", reasoning: " 原子の理論。" },
  { id: "q3", text: "what does k1 do in BM25?", reasoning: "<think>\nTerm frequency saturation.\n</think>\n\nk1 caps tf." },
];

function agree(label: string, a: Float32Array[], b: Float32Array[]): void {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => {
    const c = cosine(v, b[i]!);
    assert.ok(c >= 0.9999, `${label} ${i}: cosine ${c}`);
  });
}

test("the model: <emb_token> = 151669, vocabulary 151,670 in config, tokenizer and GGUF; the chat prompt is Qwen3's on every backend", async (t) => {
  if (skip) return t.skip(skip);
  const cfg = JSON.parse(readFileSync(join(model.dir, "config.json"), "utf8")) as { vocab_size: number };
  assert.equal(cfg.vocab_size, 151_670);
  assert.equal(native.model.vocabSize, 151_670);
  assert.equal(native.model.requireEmbTokenId(), EMB_TOKEN_ID);
  assert.equal((ggufValue(readGgufHeader(model.gguf), "tokenizer.ggml.tokens") as string[]).length, 151_670);
  const golden = "<|im_start|>user\nwhy?<|im_end|>\n<|im_start|>assistant\n";
  for (const b of [native, llama, remote] as T1Backend[]) assert.equal(b.chatPrompt("why?"), golden, b.kind);
});

test("document vectors agree on native, llama.cpp and remote (cosine >= 0.9999)", async (t) => {
  if (skip) return t.skip(skip);
  const opts = { instruction: "Given a passage, retrieve it\n", maxLength: 64 };
  const a = await native.embedDocuments(DOCS, opts);
  agree("llama.cpp doc", a, await llama.embedDocuments(DOCS, opts));
  agree("remote doc", a, await remote.embedDocuments(DOCS, opts));
  assert.deepEqual(await llama.countTokens(DOCS), await native.countTokens(DOCS));
});

test("query vectors and greedy reasoning agree on the three backends in modes none, external and reason", async (t) => {
  if (skip) return t.skip(skip);
  for (const mode of ["none", "external", "reason"] as const) {
    const opts = { mode, instruction: "Given a question, retrieve passages", maxReasoningTokens: 16 };
    const a = await encodeQueries(native, QUERIES, opts);
    for (const other of [llama, remote] as T1Backend[]) {
      const b = await encodeQueries(other, QUERIES, opts);
      a.forEach((q, i) => {
        assert.equal(b[i]!.reasoning, q.reasoning, `${other.kind} ${mode} ${q.id}: reasoning`);
        const c = cosine(q.vector, b[i]!.vector);
        assert.ok(c >= 0.9999, `${other.kind} ${mode} ${q.id}: cosine ${c}`);
      });
    }
    if (mode === "reason") {
      t.diagnostic(`greedy reasoning: ${JSON.stringify(a.map((q) => q.reasoning))}`);
      assert.ok(a.every((q) => q.reasoningTokens === 16 || q.reasoning.length > 0));
      assert.ok(new Set(a.map((q) => q.reasoning)).size === a.length, "different queries give different reasoning");
    }
  }
});

test("Qwen3's padded layout (vocab_size 151,936 > 151,670 tokens): add-emb-token uses id 151669 inside the padding; native and llama.cpp agree", async (t) => {
  if (skip) return t.skip(skip);
  const padded = await buildRealQwen3(root, tokDir as string, { layout: "qwen3-padded", ...SHAPE, seed: 12 });
  assert.equal(padded.vocabSize, QWEN3_PADDED_ROWS, "vocab_size keeps the padded row count");
  const n = await NativeBackend.open({ model: padded.dir });
  const l = await LlamaCppBackend.open({ model: padded.gguf, gpu: false, threads: 1 });
  try {
    assert.equal(n.model.vocabSize, QWEN3_PADDED_ROWS);
    assert.equal(n.model.requireTokenizer().size, 151_670);
    // llama.cpp needs one token per embedding row: rows 151670.. are "[PAD<id>]" placeholders.
    const tokens = ggufValue(readGgufHeader(padded.gguf), "tokenizer.ggml.tokens") as string[];
    assert.equal(tokens.length, QWEN3_PADDED_ROWS);
    assert.equal(tokens[EMB_TOKEN_ID], "<emb_token>");
    assert.equal(tokens[151_670], "[PAD151670]");
    const opts = { instruction: "Docs:\n", maxLength: 64 };
    agree("padded doc", await n.embedDocuments(DOCS, opts), await l.embedDocuments(DOCS, opts));
    const qo = { mode: "reason" as const, maxReasoningTokens: 12 };
    const a = await encodeQueries(n, QUERIES, qo);
    const b = await encodeQueries(l, QUERIES, qo);
    a.forEach((q, i) => {
      assert.equal(b[i]!.reasoning, q.reasoning, `padded ${q.id}`);
      assert.ok(cosine(q.vector, b[i]!.vector) >= 0.9999, `padded ${q.id}`);
    });
  } finally {
    await l.close();
  }
});
