import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { readSafetensors } from "../../src/engine/safetensors.js";
import { readGgufHeader, readGgufTensor, ggufValue } from "../../src/engine/gguf/reader.js";
import { readGgufModel } from "../../src/engine/gguf/model.js";
import { convertHfToGguf } from "../../src/engine/gguf/convert-hf.js";
import { GgmlType, GgufTokenType } from "../../src/engine/gguf/constants.js";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { T1Error } from "../../src/util/errors.js";
import { needShared } from "../helpers/shared.js";

const dir = mkdtempSync(join(tmpdir(), "t1-gguf-convert-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

async function quietMain(argv: string[]): Promise<number> {
  const log = console.log;
  const err = console.error;
  console.log = () => {};
  console.error = () => {};
  try {
    return await main(argv);
  } finally {
    console.log = log;
    console.error = err;
  }
}

test("t1 convert stories260k: llama metadata, SentencePiece vocab, and readGgufModel gives back the exact HF tensors", async (t) => {
  const st = needShared("models", "stories260k");
  if (typeof st !== "string") return t.skip(st.skip);
  const out = join(dir, "stories.gguf");
  assert.equal(await quietMain(["convert", "--to", "gguf", "--type", "f32", "--quiet", st, out]), 0);
  const f = readGgufHeader(out);
  const v = (k: string) => ggufValue(f, k);
  assert.equal(v("general.architecture"), "llama");
  assert.equal(v("llama.block_count"), 5);
  assert.equal(v("llama.attention.head_count_kv"), 4);
  assert.equal(v("llama.rope.dimension_count"), 8);
  assert.equal(v("tokenizer.ggml.model"), "llama");
  assert.equal(v("tokenizer.ggml.bos_token_id"), 1);
  assert.equal(v("tokenizer.ggml.add_bos_token"), true);
  const tokens = v("tokenizer.ggml.tokens") as string[];
  const types = v("tokenizer.ggml.token_type") as number[];
  assert.equal(tokens.length, 512);
  assert.equal(types[tokens.indexOf("<0x41>")], GgufTokenType.BYTE);
  assert.equal(types[1], GgufTokenType.CONTROL);
  assert.equal(types[0], GgufTokenType.UNKNOWN);
  assert.ok(!f.tensors.has("output.weight"), "tied embeddings: no output tensor");
  assert.deepEqual(f.tensors.get("blk.0.ffn_down.weight")?.shape, [64, 172]);

  const back = readGgufModel(out);
  const orig = await readSafetensors(st);
  const cfg = JSON.parse(readFileSync(join(st, "config.json"), "utf8")) as Record<string, unknown>;
  for (const k of ["model_type", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "vocab_size", "tie_word_embeddings", "bos_token_id", "eos_token_id"]) {
    assert.equal(back.config[k], cfg[k], k);
  }
  assert.equal(back.config.rms_norm_eps, Math.fround(1e-5));
  assert.equal(back.tensors.size, orig.size);
  for (const [name, tns] of orig) {
    const b = back.tensors.get(name);
    assert.ok(b, `missing ${name}`);
    assert.deepEqual(b.shape, tns.shape, name);
    assert.ok(b.data.every((x, i) => x === tns.data[i]), `${name} differs after the round trip`);
  }
  // On disk, q rows are in llama.cpp's interleaved order: stored row 2i+j of a head is HF row j·(d/2)+i.
  const stored = readGgufTensor(f, "blk.0.attn_q.weight");
  const hfq = orig.get("model.layers.0.self_attn.q_proj.weight")!.data;
  const row = (a: Float32Array, r: number) => Array.from(a.subarray(r * 64, r * 64 + 64));
  assert.deepEqual(row(stored, 1), row(hfq, 4));
  assert.deepEqual(row(stored, 2), row(hfq, 1));
  assert.deepEqual(row(stored, 8 + 3), row(hfq, 8 + 5));
});

test("convert --type q8_0 quantises 2-D weights (f16 where rows are not a multiple of 32) and keeps norms f32", async (t) => {
  const m = join(dir, "qwen3");
  createTinyModel(m, { arch: "qwen3", seed: 3, hiddenSize: 64, layers: 1, heads: 4, kvHeads: 2, headDim: 24, intermediateSize: 80 });
  const out = join(dir, "q8.gguf");
  const warnings: string[] = [];
  await convertHfToGguf(m, out, { type: GgmlType.Q8_0, onWarning: (w) => warnings.push(w) });
  const f = readGgufHeader(out);
  assert.equal(f.tensors.get("blk.0.attn_q.weight")?.type, GgmlType.Q8_0);
  assert.equal(f.tensors.get("blk.0.ffn_down.weight")?.type, GgmlType.F16, "rows of 80 cannot be q8_0");
  assert.equal(f.tensors.get("blk.0.attn_q_norm.weight")?.type, GgmlType.F32);
  assert.equal(ggufValue(f, "general.file_type"), 7);
  assert.equal(ggufValue(f, "tokenizer.ggml.pre"), "qwen2");
  assert.equal(typeof ggufValue(f, "tokenizer.chat_template"), "string");
  assert.equal(warnings.length, 1);
  const orig = await readSafetensors(m);
  const q = readGgufModel(out).tensors.get("model.layers.0.self_attn.q_proj.weight")!.data;
  const w = orig.get("model.layers.0.self_attn.q_proj.weight")!.data;
  let maxRel = 0;
  for (let b = 0; b < w.length / 32; b++) {
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(w[b * 32 + j]!));
    for (let j = 0; j < 32; j++) maxRel = Math.max(maxRel, Math.abs(q[b * 32 + j]! - w[b * 32 + j]!) / amax);
  }
  assert.ok(maxRel <= 0.5 / 127 + 1e-3, `q8_0 error ${maxRel} of the block max`);
});

test("t1 convert rejects bad arguments and inputs with clear errors", async () => {
  const isErr = (code: string, re: RegExp) => (e: unknown) => e instanceof T1Error && e.code === code && re.test(e.message);
  await assert.rejects(quietMain(["convert", "--type", "q5_k", "a", "b.gguf"]), isErr("BAD_INPUT", /--type must be one of f32, f16, bf16, q8_0, q4_0; got "q5_k"/));
  await assert.rejects(quietMain(["convert", "--to", "onnx", "a", "b"]), isErr("BAD_INPUT", /--to must be one of gguf; got "onnx"/));
  await assert.rejects(quietMain(["convert", "only-one"]), isErr("BAD_INPUT", /expected DIR and OUT.gguf/));
  await assert.rejects(convertHfToGguf(join(dir, "nope"), join(dir, "x.gguf")), isErr("NOT_FOUND", /has no config.json/));
  const m = join(dir, "q2");
  createTinyModel(m, { arch: "qwen2", seed: 1, hiddenSize: 32, layers: 1, heads: 2, kvHeads: 1, headDim: 8, intermediateSize: 32 });
  await assert.rejects(convertHfToGguf(m, join(dir, "q2.gguf")), isErr("UNSUPPORTED", /qwen2 architecture needs head_dim × heads = hidden_size/));
});

test("readGgufModel refuses architectures and tensors it cannot map, naming them", async () => {
  const { GgufWriter, gguf } = await import("../../src/engine/gguf/writer.js");
  const mk = async (name: string, arch: string, tensor: string) => {
    const w = new GgufWriter();
    w.set("general.architecture", gguf.str(arch));
    for (const [k, v] of [["embedding_length", 32], ["attention.head_count", 2], ["feed_forward_length", 64], ["block_count", 1]] as const) w.set(`${arch}.${k}`, gguf.u32(v));
    w.addTensor("token_embd.weight", [8, 32], GgmlType.F32, () => new Float32Array(256));
    w.addTensor(tensor, [32], GgmlType.F32, () => new Float32Array(32));
    const p = join(dir, name);
    await w.write(p);
    return p;
  };
  const isErr = (code: string, re: RegExp) => (e: unknown) => e instanceof T1Error && e.code === code && re.test(e.message);
  assert.throws(() => readGgufModel(join(dir, "none.gguf")), isErr("NOT_FOUND", /cannot open GGUF/));
  const mamba = await mk("mamba.gguf", "mamba", "output_norm.weight");
  assert.throws(() => readGgufModel(mamba), isErr("UNSUPPORTED", /general.architecture is "mamba"/));
  const odd = await mk("odd.gguf", "llama", "rope_freqs.weight");
  assert.throws(() => readGgufModel(odd), isErr("BAD_INPUT", /unknown tensor "rope_freqs.weight"/));
});
