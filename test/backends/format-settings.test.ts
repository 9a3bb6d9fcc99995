/**
 * The format rules every backend shares: a model without a chat template cannot build query prompts
 * (one error naming --chat-template FILE, on native, llama.cpp and remote alike) and works with
 * `chatTemplate`; the saved t1_format.json (enable_thinking, stop tokens) reaches every backend,
 * remote included through the t1 server's /v1/models; options override it.
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
import { RemoteBackend, type RemoteBackendOptions } from "../../src/backends/remote.js";
import { openBackend } from "../../src/backends/open.js";
import { OpenAIServer } from "../../src/serve/openai-server.js";
import type { T1Backend } from "../../src/backends/types.js";
import { encodeQueries } from "../../src/retrieval/encoders/query-encoder.js";
import { CHATML_TEMPLATE, ChatTemplate, writeT1FormatSettings } from "../../src/data/t1-format/index.js";
import { FIXTURE_QUERIES, makeTinyModel } from "./fixtures/tiny.js";
import { cosine } from "../helpers/vectors.js";

const root = mkdtempSync(join(tmpdir(), "t1-fmt-"));
const servers: OpenAIServer[] = [];
const opened: T1Backend[] = [];
after(async () => {
  for (const s of servers) await s.close();
  for (const b of opened) await b.close();
  rmSync(root, { recursive: true, force: true });
});
const serve = async (b: T1Backend, o: Partial<RemoteBackendOptions> = {}): Promise<RemoteBackend> => {
  const s = new OpenAIServer(b);
  servers.push(s);
  return RemoteBackend.open({ url: await s.listen(), ...o });
};
const keep = <T extends T1Backend>(b: T): T => (opened.push(b), b);

test("no chat template: the same error on every backend, documents still embed; --chat-template FILE fixes it everywhere", async () => {
  const dir = join(root, "plain");
  createTinyModel(dir, { arch: "qwen3", seed: 3, hiddenSize: 32, layers: 1, heads: 2, kvHeads: 1, headDim: 16, intermediateSize: 64 });
  const cfgPath = join(dir, "tokenizer_config.json");
  const cfg = JSON.parse(readFileSync(cfgPath, "utf8")) as Record<string, unknown>;
  delete cfg.chat_template;
  writeFileSync(cfgPath, JSON.stringify(cfg));
  const gguf = join(root, "plain.gguf");
  await convertHfToGguf(dir, gguf, { type: GgmlType.F32 });
  const native = keep(await NativeBackend.open({ model: dir }));
  const backends: T1Backend[] = [native, keep(await LlamaCppBackend.open({ model: gguf, gpu: false, threads: 1 })), await serve(native)];
  for (const b of backends) {
    assert.equal(b.chatTemplate, undefined, b.kind);
    assert.throws(() => b.chatPrompt("why?"), /has no chat template, so T1 cannot build its query prompt: pass --chat-template FILE/, b.kind);
    await assert.rejects(encodeQueries(b, FIXTURE_QUERIES.slice(0, 1), { mode: "none" }), /--chat-template FILE/, b.kind);
    assert.equal((await b.embedDocuments(["a fact"], { instruction: "", maxLength: 16 }))[0]!.length, 32, b.kind);
  }
  const file = join(root, "chatml.jinja");
  writeFileSync(file, CHATML_TEMPLATE);
  const expected = new ChatTemplate({ template: CHATML_TEMPLATE }).render([{ role: "user", content: "why?" }]);
  const withFile = keep(await openBackend({ backend: "native", model: dir, chatTemplateFile: file }));
  const fixed: T1Backend[] = [
    withFile,
    keep(await openBackend({ backend: "llamacpp", model: gguf, gpu: false, threads: 1, chatTemplateFile: file })),
    await serve(native, { chatTemplate: CHATML_TEMPLATE }),
    await serve(withFile), // the server announces the template it was given
  ];
  const ref = await encodeQueries(withFile, FIXTURE_QUERIES, { mode: "none" });
  for (const b of fixed) {
    assert.equal(b.chatPrompt("why?"), expected, b.kind);
    const q = await encodeQueries(b, FIXTURE_QUERIES, { mode: "none" });
    q.forEach((v, i) => assert.ok(cosine(v.vector, ref[i]!.vector) >= 0.9999, `${b.kind} ${i}`));
  }
  await assert.rejects(openBackend({ backend: "native", model: dir, chatTemplateFile: join(root, "missing.jinja") }), /missing\.jinja: chat template file not found/);
});

test("t1_format.json reaches every backend: enable_thinking and stop tokens, overridden by options", async () => {
  const fx = await makeTinyModel();
  try {
    // Greedy output of the plain model, to pick a stop token it will meet.
    const plain = keep(await NativeBackend.open({ model: fx.modelDir }));
    const prompt0 = plain.chatPrompt("why is the sky blue?");
    const [free] = await plain.model.generateText([plain.model.requireTokenizer().encodePrompt(prompt0)], { maxTokens: 8, stopTokens: [] });
    const tok = plain.model.requireTokenizer();
    // The first generated token that is one token as text: generation must end just before it.
    const stopAt = free!.ids.findIndex((id) => tok.encode(tok.decode([id]), { addSpecialTokens: false }).length === 1);
    assert.ok(stopAt >= 0 && free!.ids.length === 8, `no usable stop token in ${JSON.stringify(free!.ids)}`);
    const stop = tok.decode([free!.ids[stopAt]!]);
    for (const d of [fx.modelDir, fx.root]) writeT1FormatSettings(d, { enableThinking: false, stopTokens: [stop], instruction: "Find it" });

    const native = keep(await NativeBackend.open({ model: fx.modelDir }));
    const backends: T1Backend[] = [native, keep(await LlamaCppBackend.open({ model: fx.gguf, gpu: false, threads: 1 })), await serve(native)];
    for (const b of backends) {
      assert.equal(b.format.enableThinking, false, b.kind);
      assert.equal(b.format.instruction, "Find it", b.kind);
      const p = b.chatPrompt("why is the sky blue?");
      assert.ok(p.endsWith("<think>\n\n</think>\n\n"), `${b.kind}: enable_thinking=false pre-fills an empty think block: ${JSON.stringify(p)}`);
      assert.ok(!b.chatPrompt("why?", { enableThinking: true }).includes("<think>"), b.kind);
      const [g] = await b.generate([prompt0], { maxTokens: 8 });
      assert.equal(g!.finishReason, "stop", `${b.kind}: stops at the saved stop token ${JSON.stringify(stop)}`);
      assert.equal(g!.tokens, stopAt, b.kind);
    }
    // Options override the file: enable_thinking back on at retrieval time.
    const on = keep(await NativeBackend.open({ model: fx.modelDir, format: { enableThinking: true } }));
    assert.ok(!on.chatPrompt("why?").includes("<think>"));
    const [a] = await encodeQueries(native, FIXTURE_QUERIES.slice(0, 1), { mode: "none" });
    const [b] = await encodeQueries(native, FIXTURE_QUERIES.slice(0, 1), { mode: "none", enableThinking: true });
    const [c] = await encodeQueries(on, FIXTURE_QUERIES.slice(0, 1), { mode: "none" });
    assert.ok(cosine(a!.vector, b!.vector) < 0.9999, "the think block changes the query vector");
    assert.ok(cosine(b!.vector, c!.vector) >= 0.99999);
    // The saved instruction is the encoders' default.
    const [d] = await encodeQueries(native, FIXTURE_QUERIES.slice(0, 1), { mode: "none", instruction: "Find it" });
    assert.ok(cosine(a!.vector, d!.vector) >= 0.99999);
  } finally {
    rmSync(fx.root, { recursive: true, force: true });
  }
});
