/**
 * The format settings saved with a model are the defaults of `t1 index` and `t1 search` (child
 * processes, as a user runs them): a flag-less index uses t1_format.json's instruction and
 * max_document_tokens, a flag-less search its instruction (recorded at indexing) and reasoning
 * budget; flags override both. `t1 add-emb-token` writes the file.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readManifest } from "../../src/retrieval/index/manifest.js";
import { readT1FormatSettings, writeT1FormatSettings, DEFAULT_T1_FORMAT } from "../../src/data/t1-format/index.js";
import { fixtureCorpus, makeTinyModel } from "../backends/fixtures/tiny.js";

const run = promisify(execFile);
const main = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");
const t1 = (...args: string[]) => run(process.execPath, ["--import", "tsx", main, ...args], { env: { ...process.env, T1_THREADS: "1" } });

const fx = await makeTinyModel({ gguf: false });
after(() => rmSync(fx.root, { recursive: true, force: true }));
const corpus = join(fx.root, "docs.jsonl");
writeFileSync(corpus, fixtureCorpus().slice(0, 12).map((d) => JSON.stringify(d)).join("\n") + "\n");
const INSTRUCTION = "Given a fact, retrieve passages";
writeT1FormatSettings(fx.modelDir, { instruction: INSTRUCTION, maxDocumentTokens: 6, maxReasoningTokens: 3 });

interface SearchJson {
  reasoning: string;
  reasoningTokens: number;
  hits: { id: string; score: number }[];
}
const search = async (idx: string, ...flags: string[]): Promise<SearchJson> => {
  const r = JSON.parse((await t1("search", idx, "why is the sky blue?", "--json", "--no-cache", "--k", "5", ...flags)).stdout) as SearchJson & { timings?: unknown };
  delete r.timings;
  return r;
};

test("flag-less t1 index + t1 search take the instruction, document length and reasoning budget from t1_format.json", async () => {
  const idx = join(fx.root, "idx");
  await t1("index", "--model", fx.modelDir, "--corpus", corpus, "--out", idx, "--quiet");
  const m = readManifest(idx);
  assert.equal(m.instruction, INSTRUCTION);
  assert.deepEqual((m.meta?.encoder as { maxLength: number }).maxLength, 6);
  assert.equal((m.meta?.pipeline as { queryInstruction: string }).queryInstruction, INSTRUCTION);

  const flagged = join(fx.root, "idx-flags");
  await t1("index", "--model", fx.modelDir, "--corpus", corpus, "--out", flagged, "--quiet", "--instruction", "Other", "--max-doc-length", "9");
  const f = readManifest(flagged);
  assert.equal(f.instruction, "Other", "--instruction overrides the saved instruction");
  assert.equal((f.meta?.encoder as { maxLength: number }).maxLength, 9, "--max-doc-length overrides");

  const saved = await search(idx);
  assert.equal(saved.reasoningTokens, 3, "the saved reasoning budget");
  assert.deepEqual(await search(idx, "--max-reasoning-tokens", "3", "--instruction", INSTRUCTION), saved, "same as the saved settings given as flags");
  assert.equal((await search(idx, "--max-reasoning-tokens", "5")).reasoningTokens, 5, "--max-reasoning-tokens overrides");
  const other = await search(idx, "--instruction", "Something else entirely");
  assert.notDeepEqual(other.hits, saved.hits, "the query instruction really changes the ranking scores");
});

test("t1 add-emb-token writes t1_format.json (the source's settings, else the defaults)", async () => {
  const out = join(fx.root, "copy");
  await t1("add-emb-token", "--model", fx.modelDir, "--out", out);
  assert.equal(readT1FormatSettings(out)?.instruction, INSTRUCTION);
  rmSync(join(fx.modelDir, "t1_format.json"));
  const out2 = join(fx.root, "copy2");
  await t1("add-emb-token", "--model", fx.modelDir, "--out", out2);
  assert.ok(existsSync(join(out2, "t1_format.json")));
  assert.deepEqual(readT1FormatSettings(out2), DEFAULT_T1_FORMAT);
});
