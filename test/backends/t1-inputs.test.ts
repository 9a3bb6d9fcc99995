/**
 * T1 inputs are built in one place with explicit BOS and no automatic EOS, on every backend: a
 * tokenizer whose post-processor wraps every text as `<bos> … <eos>` (and a GGUF with add_bos /
 * add_eos) still gives `[bos, …prompt, emb]` for a query without reasoning, a generation prompt
 * that does not end in EOS, and external reasoning tokenised in two parts exactly as training's
 * `reasoningQueryIds`. Native (HF dir and GGUF), llama.cpp (our GGUF export) and remote (a t1
 * server on loopback) are checked against ids written out here.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { convertHfToGguf } from "../../src/engine/gguf/convert-hf.js";
import { GgmlType } from "../../src/engine/gguf/constants.js";
import { NativeBackend } from "../../src/backends/native.js";
import { LlamaCppBackend } from "../../src/backends/llamacpp.js";
import { RemoteBackend } from "../../src/backends/remote.js";
import { OpenAIServer } from "../../src/serve/openai-server.js";
import type { T1Backend } from "../../src/backends/types.js";
import { encodeQueries } from "../../src/retrieval/encoders/query-encoder.js";
import { loadTokenizer, reasoningQueryIds, t1Formats } from "../../src/train/stages/formats.js";
import { queryUserMessage } from "../../src/data/t1-format/index.js";
import { cosine } from "../helpers/vectors.js";

const root = mkdtempSync(join(tmpdir(), "t1-inputs-"));
const dir = join(root, "model");
createTinyModel(dir, { arch: "qwen3", seed: 11, hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 16, intermediateSize: 128 });
const BOS = "<|endoftext|>";
const EOS = "<|im_end|>";
{
  const tokPath = join(dir, "tokenizer.json");
  const tok = JSON.parse(readFileSync(tokPath, "utf8")) as { added_tokens: { id: number; content: string }[]; post_processor: unknown };
  const id = (c: string) => tok.added_tokens.find((t) => t.content === c)!.id;
  const sp = (c: string) => ({ SpecialToken: { id: c, type_id: 0 } });
  tok.post_processor = {
    type: "TemplateProcessing",
    single: [sp(BOS), { Sequence: { id: "A", type_id: 0 } }, sp(EOS)],
    pair: [sp(BOS), { Sequence: { id: "A", type_id: 0 } }, sp(EOS), { Sequence: { id: "B", type_id: 1 } }, sp(EOS)],
    special_tokens: { [BOS]: { id: BOS, ids: [id(BOS)], tokens: [BOS] }, [EOS]: { id: EOS, ids: [id(EOS)], tokens: [EOS] } },
  };
  writeFileSync(tokPath, JSON.stringify(tok));
  const cfgPath = join(dir, "tokenizer_config.json");
  const cfg = JSON.parse(readFileSync(cfgPath, "utf8")) as Record<string, unknown>;
  // ChatML whose assistant turn opens with a sentence, so that a reasoning starting with "\n\n"
  // merges with the prompt's "." when the two are tokenised as one string (".\n\n" is one token).
  const chat_template =
    "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}" +
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\nLet me think.' }}{%- endif %}";
  writeFileSync(cfgPath, JSON.stringify({ ...cfg, chat_template, bos_token: BOS, add_bos_token: true, add_eos_token: true }));
}
const gguf = join(root, "model.gguf");
await convertHfToGguf(dir, gguf, { type: GgmlType.F32 });

const tok = loadTokenizer(dir);
const bos = tok.tokenId(BOS)!;
const eos = tok.tokenId(EOS)!;
const emb = tok.tokenId("<emb_token>")!;
const plain = (text: string) => tok.encode(text, { addSpecialTokens: false });

const native = await NativeBackend.open({ model: dir });
const nativeGguf = await NativeBackend.open({ model: gguf });
const llama = await LlamaCppBackend.open({ model: gguf, gpu: false, threads: 1 });
const server = new OpenAIServer(native);
const remote = await RemoteBackend.open({ url: await server.listen() });
const backends: [string, T1Backend][] = [["native", native], ["native-gguf", nativeGguf], ["llamacpp", llama], ["remote", remote]];
after(async () => {
  await server.close();
  await llama.close();
  rmSync(root, { recursive: true, force: true });
});

const INSTRUCTION = "Given a question, retrieve passages";
const QUERY = { id: "q", text: "why is the sky blue?" };
/** The reference vector: the native engine on ids written out here. */
const refVector = async (ids: number[]) => (await native.embedTokenIds([ids]))[0]!;

test("the test tokenizer really wraps texts in BOS … EOS (so the checks below can fail)", () => {
  assert.deepEqual(tok.encode("hello"), [bos, ...plain("hello"), eos]);
});

test("every backend counts BOS and no EOS, and the 'none' query is [bos, …prompt, emb]", async () => {
  const prompt = native.chatPrompt(queryUserMessage(INSTRUCTION, QUERY.text));
  const ids = [bos, ...plain(prompt), emb];
  const ref = await refVector(ids);
  const withEos = await refVector([bos, ...plain(prompt), emb, eos, emb]);
  assert.ok(cosine(ref, withEos) < 0.9999, `the EOS path must differ: ${cosine(ref, withEos)}`);
  const texts = ["a short document", "the sky is blue because air scatters light"];
  for (const [name, b] of backends) {
    assert.equal(b.chatPrompt(queryUserMessage(INSTRUCTION, QUERY.text)), prompt, `${name}: the model's own template`);
    assert.deepEqual(await b.countTokens(texts), texts.map((t) => 1 + plain(t).length), name);
    const [q] = await encodeQueries(b, [QUERY], { mode: "none", instruction: INSTRUCTION });
    assert.ok(cosine(q!.vector, ref) >= 0.9999, `${name}: ${cosine(q!.vector, ref)}`);
  }
});

test("documents are [bos, …instruction + text][:maxLength] + emb on every backend", async () => {
  const text = "photosynthesis turns light, water and carbon dioxide into sugar";
  const ids = [bos, ...plain("Docs:\n" + text)].slice(0, 9);
  const ref = await refVector([...ids, emb]);
  for (const [name, b] of backends) {
    const [v] = await b.embedDocuments([text], { instruction: "Docs:\n", maxLength: 9 });
    assert.ok(cosine(v!, ref) >= 0.9999, `${name}: ${cosine(v!, ref)}`);
  }
});

test("the generation prompt does not end in EOS: reasoning and vector equal the engine's on [bos, …prompt]", async () => {
  const prompt = native.chatPrompt(queryUserMessage(INSTRUCTION, QUERY.text));
  const promptIds = [bos, ...plain(prompt)];
  const [ref] = await native.model.generateText([promptIds], { maxTokens: 6 });
  const refVec = await refVector([...promptIds, ...ref!.ids, emb]);
  for (const [name, b] of backends) {
    const [g] = await b.generateAndEmbed([prompt], { maxTokens: 6 });
    assert.equal(g!.text, ref!.text, name);
    assert.ok(cosine(g!.vector, refVec) >= 0.9999, `${name}: ${cosine(g!.vector, refVec)}`);
  }
});

test("external reasoning is tokenised in two parts, exactly as training's reasoningQueryIds", async () => {
  const prompt = native.chatPrompt(queryUserMessage(INSTRUCTION, QUERY.text));
  // A reasoning whose first characters merge with the prompt's end when tokenised as one string.
  const reasoning = ["\n\nlight scatters"].find(
    (r) => JSON.stringify(plain(prompt + r)) !== JSON.stringify([...plain(prompt), ...plain(r)]),
  );
  assert.ok(reasoning !== undefined, "no candidate reasoning crosses a token boundary with this tokenizer");
  const f = t1Formats(tok, { instruction: INSTRUCTION });
  const training = reasoningQueryIds(f, QUERY.text, reasoning).ids;
  assert.deepEqual(training, [bos, ...plain(prompt), ...plain(reasoning), emb]);
  const ref = await refVector(training);
  const joined = await refVector([bos, ...plain(prompt + reasoning), emb]);
  assert.ok(cosine(ref, joined) < 0.9999, `one joined string must differ: ${cosine(ref, joined)}`);
  for (const [name, b] of backends) {
    const [q] = await encodeQueries(b, [{ ...QUERY, reasoning }], { mode: "external", instruction: INSTRUCTION });
    assert.ok(cosine(q!.vector, ref) >= 0.9999, `${name}: ${cosine(q!.vector, ref)}`);
  }
});
