/**
 * The real pretrained stories260k, converted by `convertHfToGguf`: llama.cpp writes the known
 * story from BOS, and our engine (from the HF directory and from the GGUF) writes the same ids.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertHfToGguf } from "../../src/engine/gguf/convert-hf.js";
import { GgmlType } from "../../src/engine/gguf/constants.js";
import { loadModel } from "../../src/engine/model.js";
import { createKernels } from "../../src/engine/kernels/index.js";
import { needShared } from "../helpers/shared.js";
import { cosine, loadLlamaCpp, type Llama } from "./gguf-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "t1-stories-"));
const kernels = createKernels({ threads: 1 });
after(() => {
  kernels.dispose();
  rmSync(dir, { recursive: true, force: true });
});
const STEPS = 48;

async function llamaGreedy(llama: Llama, gguf: string, steps: number): Promise<{ ids: number[]; text: string }> {
  const model = await llama.loadModel({ modelPath: gguf });
  try {
    const ctx = await model.createContext({ contextSize: 256, batchSize: 256, threads: 1 });
    const ids: number[] = [];
    for await (const t of ctx.getSequence().evaluate([1] as never, { temperature: 0 })) {
      ids.push(Number(t));
      if (ids.length >= steps) break;
    }
    await ctx.dispose();
    return { ids, text: model.detokenize(ids as never) };
  } finally {
    await model.dispose();
  }
}

test("stories260k → GGUF f32: llama.cpp and our engine write the same story from BOS", async (t) => {
  const st = needShared("models", "stories260k");
  if (typeof st !== "string") return t.skip(st.skip);
  const ll = await loadLlamaCpp();
  if ("skip" in ll) return t.skip(ll.skip);
  const gguf = join(dir, "stories-f32.gguf");
  await convertHfToGguf(st, gguf, { type: GgmlType.F32 });
  const theirs = await llamaGreedy(ll.llama, gguf, STEPS);
  assert.match(theirs.text, /^Once upon a time, there was a little girl named Lily\./);
  for (const src of [st, gguf]) {
    const m = await loadModel(src, { kernels });
    const [ours] = await m.generateText([[1]], { maxTokens: STEPS, stopTokens: [] });
    assert.deepEqual(ours!.ids, theirs.ids, `engine loaded from ${src}`);
    assert.equal(ours!.text, theirs.text);
    assert.match(ours!.text, /^Once upon a time, there was a little girl named Lily\./);
  }
});

test("stories260k → GGUF q8_0 (f16 where rows are 172 wide) still tells the story in llama.cpp", async (t) => {
  const st = needShared("models", "stories260k");
  if (typeof st !== "string") return t.skip(st.skip);
  const ll = await loadLlamaCpp();
  if ("skip" in ll) return t.skip(ll.skip);
  const gguf = join(dir, "stories-q8.gguf");
  await convertHfToGguf(st, gguf, { type: GgmlType.Q8_0 });
  const theirs = await llamaGreedy(ll.llama, gguf, 16);
  assert.match(theirs.text, /^Once upon a time/);
});

test("stories260k + <emb_token> (addEmbToken) → GGUF: llama.cpp parses it as one token and its state matches ours", async (t) => {
  const st = needShared("models", "stories260k");
  if (typeof st !== "string") return t.skip(st.skip);
  const ll = await loadLlamaCpp();
  if ("skip" in ll) return t.skip(ll.skip);
  const { addEmbToken } = await import("../../src/engine/emb-token.js");
  const withEmb = join(dir, "stories-emb");
  await addEmbToken(st, withEmb);
  const gguf = join(dir, "stories-emb.gguf");
  await convertHfToGguf(withEmb, gguf, { type: GgmlType.F32 });
  const ours = await loadModel(withEmb, { kernels });
  const text = "Once upon a time, Lily saw a big dog.<emb_token>";
  const ids = ours.encode(text);
  const model = await ll.llama.loadModel({ modelPath: gguf });
  try {
    assert.deepEqual(model.tokenize(text, true).map(Number), ids.slice(1), "llama.cpp tokens (without BOS) vs ours");
    assert.equal(ids.at(-1), ours.requireEmbTokenId());
    const ctx = await model.createEmbeddingContext({ contextSize: 256, batchSize: 256, threads: 1 });
    const theirs = Array.from((await ctx.getEmbeddingFor(ids as never)).vector);
    await ctx.dispose();
    const mine = (await ours.embed([ids]))[0]!;
    const cos = cosine(mine, theirs);
    t.diagnostic(`stories260k <emb_token> state: cosine ${cos.toFixed(8)}`);
    assert.ok(cos >= 0.99999, `cosine ${cos}`);
  } finally {
    await model.dispose();
  }
});
