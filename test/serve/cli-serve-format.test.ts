/**
 * `t1 serve` takes its reasoning budget from the model: a tiny model whose t1_format.json says
 * max_reasoning_tokens 3 reasons for at most 3 tokens when a search (or a `t1_embed` completion)
 * names no budget, an explicit budget still overrides it, plain completions keep the server's own
 * default, and the server's per-request cap still bounds the model's default.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { NativeBackend } from "../../src/backends/native.js";
import { buildT1Index } from "../../src/retrieval/build-index.js";
import { RetrievalPipeline } from "../../src/retrieval/pipeline.js";
import { OpenAIServer } from "../../src/serve/openai-server.js";
import { writeT1FormatSettings } from "../../src/data/t1-format/settings.js";
import { fixtureCorpus, makeTinyModel } from "../backends/fixtures/tiny.js";
import { startServeChild } from "../helpers/serve-child.js";
import { postSearch } from "./web-fixture.js";

const BUDGET = 3;
const fx = await makeTinyModel({ gguf: false });
writeT1FormatSettings(fx.modelDir, { maxReasoningTokens: BUDGET });
const idx = join(fx.root, "idx");
{
  const backend = await NativeBackend.open({ model: fx.modelDir });
  await buildT1Index(backend, fixtureCorpus(), { out: idx, progress: false, batchSize: 8, maxLength: 64, pipeline: { backend: "native", modelPath: fx.modelDir } });
  await backend.close();
}
after(() => rmSync(fx.root, { recursive: true, force: true }));

interface Searched {
  reasoning: string;
  reasoning_tokens: number;
  cached: boolean;
}
interface Completion {
  choices: { text: string; finish_reason: string }[];
  usage: { completion_tokens: number };
}

const QUERY = "why is the sky blue?";

test("t1 serve: a search without max_reasoning_tokens reasons for the model's t1_format.json budget; an explicit one overrides it", async () => {
  const { child, base } = await startServeChild(["--model", fx.modelDir, "--index", idx]);
  try {
    const models = (await (await fetch(`${base}/v1/models`)).json()) as { data: { t1: { format: { max_reasoning_tokens: number } } }[] };
    assert.equal(models.data[0]!.t1.format.max_reasoning_tokens, BUDGET, "the server announces the model's budget");

    const explicit = (await (await postSearch(base, { query: QUERY, max_reasoning_tokens: 12 })).json()) as Searched;
    assert.equal(explicit.cached, false);
    assert.ok(explicit.reasoning_tokens > BUDGET, `an explicit budget overrides the model's (the model reasoned ${explicit.reasoning_tokens} tokens)`);

    const byDefault = (await (await postSearch(base, { query: QUERY })).json()) as Searched;
    assert.equal(byDefault.cached, false, "a new budget is new reasoning, not the cached one");
    assert.equal(byDefault.reasoning_tokens, BUDGET, "the model's budget, not 256");
    assert.ok(explicit.reasoning.startsWith(byDefault.reasoning), "greedy: the short reasoning is the head of the long one");

    // /v1/completions: t1_embed generates T1 reasoning (the model's budget); plain text keeps the server's 256.
    const complete = async (body: Record<string, unknown>): Promise<Completion> => {
      const res = await fetch(`${base}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      assert.equal(res.status, 200);
      return (await res.json()) as Completion;
    };
    const embedded = await complete({ prompt: "Once upon a time", t1_embed: true });
    assert.equal(embedded.usage.completion_tokens, BUDGET);
    const plain = await complete({ prompt: "Once upon a time", max_tokens: 8 });
    assert.equal(plain.usage.completion_tokens, 8, "the model does not stop by itself within 8 tokens");
    const plainDefault = await complete({ prompt: "Once upon a time" });
    assert.ok(plainDefault.usage.completion_tokens > BUDGET, `a plain completion is not held to the reasoning budget (${plainDefault.usage.completion_tokens} tokens)`);
  } finally {
    child.kill("SIGKILL");
  }
});

test("the server's per-request cap bounds the model's default budget; asking past it is a 400", async () => {
  const pipeline = await RetrievalPipeline.open(idx, { model: fx.modelDir });
  const server = new OpenAIServer(pipeline.backend, { pipeline, maxNewTokens: 2 });
  const base = await server.listen();
  try {
    const r = (await (await postSearch(base, { query: QUERY })).json()) as Searched;
    assert.equal(r.reasoning_tokens, 2, "the model's 3 lowered to --max-tokens-per-request 2");
    const over = await postSearch(base, { query: QUERY, max_reasoning_tokens: 3 });
    assert.equal(over.status, 400);
    assert.match(((await over.json()) as { error: { message: string } }).error.message, /"max_reasoning_tokens" is 3; this server generates at most 2 tokens per request \(--max-tokens-per-request\)/);
  } finally {
    await server.close();
    await pipeline.close();
  }
});
