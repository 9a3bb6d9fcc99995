/**
 * What the remote backend puts on the wire, checked against a real t1 server on loopback (the server
 * `t1 serve` runs, backed by the native engine): the request bodies follow the OpenAI-compatible API
 * as vLLM and llama.cpp's server document it (docs/SCALE.md): `/v1/embeddings` with
 * `encoding_format: "float"` and `input` as strings or as token-id arrays, `/v1/completions` with a
 * text `prompt`, `max_tokens`, `temperature` and `seed`; and the vectors that come back equal the
 * native backend's. The bodies are read off the real exchange (fetch is wrapped, not replaced).
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { NativeBackend } from "../../src/backends/native.js";
import { RemoteBackend, embeddingsRequest } from "../../src/backends/remote.js";
import { OpenAIServer } from "../../src/serve/openai-server.js";
import { EMB_TOKEN } from "../../src/backends/types.js";
import { makeTinyModel } from "./fixtures/tiny.js";
import { cosine } from "../helpers/vectors.js";

const fx = await makeTinyModel({ gguf: false });
const native = await NativeBackend.open({ model: fx.modelDir, modelId: "tiny-t1" });
const server = new OpenAIServer(native);
const url = await server.listen();
const sent: { path: string; origin: string; body: Record<string, unknown> }[] = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
  if (typeof init?.body === "string") sent.push({ path: new URL(String(input)).pathname, origin: new URL(String(input)).origin, body: JSON.parse(init.body) as Record<string, unknown> });
  return realFetch(input, init);
}) as typeof fetch;
after(async () => {
  globalThis.fetch = realFetch;
  await server.close();
  rmSync(fx.root, { recursive: true, force: true });
});

const same = (a: Float32Array[], b: Float32Array[]): void => {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => assert.ok(cosine(v, b[i]!) >= 0.99999, `item ${i}: ${cosine(v, b[i]!)}`));
};

test("embeddings: token-id arrays as input and text input, encoding_format float; vectors equal the native backend's", async () => {
  for (const extensions of ["auto", false] as const) {
    const remote = await RemoteBackend.open({ url, extensions });
    sent.length = 0;
    const ids = [[5, 9, 17, 33], [40, 2, 7]];
    same(await remote.embedTokenIds(ids), await native.embedTokenIds(ids));
    const texts = ["a short text" + EMB_TOKEN, "another" + EMB_TOKEN];
    same(await remote.embedTexts(texts), await native.embedTexts(texts));
    const bodies = sent.filter((s) => s.path === "/v1/embeddings").map((s) => s.body);
    assert.equal(bodies.length, 2);
    assert.deepEqual(bodies[0], { model: "tiny-t1", input: ids, encoding_format: "float" });
    assert.deepEqual(bodies[1], { model: "tiny-t1", input: texts, encoding_format: "float" });
  }
});

test("completions: the rendered text as prompt, max_tokens, greedy temperature 0 and a seed; reasoning equals the native backend's", async () => {
  const remote = await RemoteBackend.open({ url, extensions: false });
  sent.length = 0;
  const prompt = native.chatPrompt("why is the sky blue?");
  const [a] = await remote.generate([prompt], { maxTokens: 5 });
  const [b] = await native.generate([prompt], { maxTokens: 5 });
  assert.equal(a!.text, b!.text);
  const body = sent.find((s) => s.path === "/v1/completions")!.body;
  assert.deepEqual(body, { model: "tiny-t1", prompt, max_tokens: 5, temperature: 0, seed: 0 });
});

test("a float reply and a base64 reply of the same request decode to the same vector", async () => {
  const post = async (format: string) =>
    (await (await realFetch(url + "/v1/embeddings", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...embeddingsRequest("tiny-t1", [[5, 9, 17]]), encoding_format: format }) })).json()) as { data: { embedding: number[] | string }[] };
  const f = (await post("float")).data[0]!.embedding as number[];
  const b64 = Buffer.from((await post("base64")).data[0]!.embedding as string, "base64");
  const fromB64 = new Float32Array(b64.buffer, b64.byteOffset, b64.length / 4);
  assert.deepEqual(Array.from(fromB64), Array.from(Float32Array.from(f)));
});

test("embeddingsUrl: generation on one server, embeddings on another (vLLM/llama.cpp run them as two processes)", async () => {
  const embedServer = new OpenAIServer(native);
  const embedUrl = await embedServer.listen();
  try {
    const remote = await RemoteBackend.open({ url, embeddingsUrl: embedUrl + "/v1", extensions: false });
    sent.length = 0;
    const prompt = native.chatPrompt("why?");
    const [q] = await remote.generateAndEmbed([prompt], { maxTokens: 3 });
    const [r] = await native.generateAndEmbed([prompt], { maxTokens: 3 });
    assert.equal(q!.text, r!.text);
    same([q!.vector], [r!.vector]);
    assert.deepEqual(sent.map((x) => [x.path, x.origin]), [["/v1/completions", new URL(url).origin], ["/v1/embeddings", new URL(embedUrl).origin]]);
  } finally {
    await embedServer.close();
  }
});
