/**
 * `t1 embed` goes through T1Backend like `t1 index`: on the native backend its vectors are those of
 * embedTexts / embedDocuments, its defaults come from the model's t1_format.json (instruction,
 * max_document_tokens), and it runs on llama.cpp (the GGUF of the same weights) and on a remote t1
 * server with the same vectors.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NativeBackend } from "../../src/backends/native.js";
import { EMB_TOKEN } from "../../src/backends/types.js";
import { OpenAIServer } from "../../src/serve/openai-server.js";
import { writeT1FormatSettings } from "../../src/data/t1-format/index.js";
import { readNpyF32 } from "../../src/engine/npy.js";
import { fixtureCorpus, makeTinyModel } from "../backends/fixtures/tiny.js";
import { runInProcess } from "../cli/in-process.js";
import { cosine } from "../helpers/vectors.js";

const fx = await makeTinyModel();
const native = await NativeBackend.open({ model: fx.modelDir });
const server = new OpenAIServer(native);
after(async () => {
  await server.close();
  rmSync(fx.root, { recursive: true, force: true });
});

const texts = fixtureCorpus().slice(0, 6).map((d) => d.text);
const input = join(fx.root, "in.jsonl");
// The last text already ends in <emb_token>: it is read there, not given a second one.
writeFileSync(input, texts.slice(0, 5).map((t) => JSON.stringify(t)).join("\n") + "\n" + JSON.stringify({ id: "x", text: texts[5] + EMB_TOKEN }) + "\n");

/** Runs `t1 embed` into a fresh .npy and returns its rows. */
async function embed(name: string, ...args: string[]): Promise<Float32Array[]> {
  const out = join(fx.root, `${name}.npy`);
  const r = await runInProcess(["embed", "--input", input, "--out", out, "--checkpoint-every", "4", "--quiet", ...args]);
  assert.equal(r.code, 0, r.stderr);
  const { shape, data } = readNpyF32(out);
  assert.deepEqual(shape, [texts.length, native.dims]);
  return texts.map((_, i) => data.subarray(i * native.dims, (i + 1) * native.dims));
}

function assertClose(got: Float32Array[], want: Float32Array[], what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((v, i) => v.forEach((x, j) => assert.ok(Math.abs(x - want[i]![j]!) < 1e-5, `${what}: text ${i}, dim ${j}: ${x} vs ${want[i]![j]}`)));
}

test("t1 embed (native) writes the vectors of embedTexts and embedDocuments; .jsonl keeps ids; bad input names file and line", async () => {
  const got = await embed("native", "--model", fx.modelDir, "--threads", "1");
  assertClose(got, await native.embedTexts(texts), "vs embedTexts");
  assertClose(got, await native.embedDocuments(texts, { instruction: "", maxLength: 512 }), "vs embedDocuments");

  const jsonl = join(fx.root, "v.jsonl");
  assert.equal((await runInProcess(["embed", "--model", fx.modelDir, "--input", input, "--out", jsonl, "--normalize", "--quiet"])).code, 0);
  const lines = readFileSync(jsonl, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id?: string; embedding: number[] });
  assert.deepEqual(lines.map((l) => l.id), [undefined, undefined, undefined, undefined, undefined, "x"]);
  assert.ok(Math.abs(Math.hypot(...lines[5]!.embedding) - 1) < 1e-5);
  assert.ok(cosine(Float32Array.from(lines[5]!.embedding), got[5]!) > 0.99999);

  writeFileSync(join(fx.root, "bad.jsonl"), '"ok"\n{"txt": 1}\n');
  const bad = await runInProcess(["embed", "--model", fx.modelDir, "--input", join(fx.root, "bad.jsonl"), "--out", jsonl]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bad\.jsonl:2: .*"text"/);
  const wrong = await runInProcess(["embed", "--backend", "remote", "--url", "http://127.0.0.1:9", "--weights", "f16", "--input", input, "--out", jsonl]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /--batch-tokens and --weights apply to --backend native only/);
});

test("t1 embed takes the instruction and max_document_tokens from t1_format.json; flags override them", async () => {
  const dir = join(fx.root, "with-format");
  cpSync(fx.modelDir, dir, { recursive: true });
  writeT1FormatSettings(dir, { instruction: "Fact:", maxDocumentTokens: 8 });
  const saved = await NativeBackend.open({ model: dir });
  const got = await embed("format", "--model", dir);
  assertClose(got, await saved.embedDocuments(texts, { instruction: "Fact:\n", maxLength: 8 }), "flag-less: the saved instruction and cut");
  const uncut = await saved.embedDocuments(texts, { instruction: "Fact:\n", maxLength: 512 });
  assert.ok(got.every((v, i) => cosine(v, uncut[i]!) < 0.9999), "the 8-token cut really dropped text");
  assertClose(await embed("flags", "--model", dir, "--instruction", "", "--max-doc-length", "512"), await native.embedTexts(texts), "--instruction '' --max-doc-length 512");
});

test("t1 embed runs on llama.cpp (the GGUF, 1 thread) and on a remote t1 server, with the native backend's vectors", async () => {
  const ref = await native.embedTexts(texts);
  const llama = await embed("llamacpp", "--backend", "llamacpp", "--model", fx.gguf, "--no-gpu", "--threads", "1");
  llama.forEach((v, i) => assert.ok(cosine(v, ref[i]!) >= 0.9999, `llamacpp text ${i}: ${cosine(v, ref[i]!)}`));
  const remote = await embed("remote", "--backend", "remote", "--url", await server.listen());
  remote.forEach((v, i) => assert.ok(cosine(v, ref[i]!) >= 0.99999, `remote text ${i}: ${cosine(v, ref[i]!)}`));
});
