/**
 * `t1 bright eval --retriever t1` without format flags takes the reasoning budget, the document
 * length and the document-side instruction from the model's t1_format.json, and records them.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { brightInstruction } from "../../src/data/bright-domains.js";
import { writeT1FormatSettings } from "../../src/data/t1-format/index.js";
import { runInProcess } from "../cli/in-process.js";
import { fixtureDomain, writeFixtureDomain } from "./bright-harness-fixture.js";

const root = mkdtempSync(join(tmpdir(), "t1-bright-format-"));
after(() => rmSync(root, { recursive: true, force: true }));

test("t1 bright eval reads t1_format.json: budget, document length and document instruction recorded", async () => {
  const model = join(root, "model");
  createTinyModel(model, { arch: "qwen3", seed: 7, hiddenSize: 32, layers: 1, heads: 2, kvHeads: 1, headDim: 16, intermediateSize: 64 });
  writeT1FormatSettings(model, { documentInstruction: "none", maxDocumentTokens: 96, maxReasoningTokens: 3 });
  const dir = join(root, "BRIGHT");
  const fx = await fixtureDomain("leetcode", 2, 8);
  for (const r of fx.rows) r.query = r.query.slice(0, 200);
  writeFixtureDomain(dir, "leetcode", fx);
  const out = join(root, "res");
  const r = await runInProcess(["bright", "eval", "--retriever", "t1", "--model", model, "--dir", dir, "--domains", "leetcode", "--threads", "1", "--quiet", "--out", out, "--k", "5"]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as { protocol: { t1: Record<string, unknown> }; domains: { instruction: unknown; details: { reasoning: { meanTokens: number } } }[] };
  assert.equal(json.protocol.t1.maxReasoningTokens, 3);
  assert.equal(json.protocol.t1.maxDocumentTokens, 96);
  assert.equal(json.protocol.t1.documentInstruction, "none");
  assert.deepEqual(json.domains[0]!.instruction, { query: brightInstruction("leetcode"), document: "" });
  assert.ok(json.domains[0]!.details.reasoning.meanTokens <= 3);
});
