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
import { loadLlamaCpp, type Llama } from "./gguf-helpers.js";

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
