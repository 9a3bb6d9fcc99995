import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTestbed, writeTestbed } from "../../src/data/testbed/index.js";
import { DEFAULT_CONFIG, mergeConfig, readConfigFile } from "../../src/experiment/config.js";
import { runExperiment } from "../../src/experiment/run-experiment.js";
import { ROWS } from "../../src/experiment/seed-run.js";
import { RESULTS_SCHEMA, type ExperimentResults } from "../../src/experiment/results.js";
import { answerEntity, shuffledReasoning, statesEntity, lengthStats } from "../../src/experiment/reasoning-stats.js";
import { InputError, T1Error } from "../../src/util/errors.js";
import { scratch } from "../helpers/scratch.js";

/** A few steps of everything on a tiny model: checks the plumbing and the schema, not the ordering. */
const SMOKE = mergeConfig(DEFAULT_CONFIG, {
  tokenizer: { vocabSize: 700 },
  model: { hiddenSize: 48, layers: 1, heads: 2, kvHeads: 1, headDim: 24, intermediateSize: 96 },
  pretrain: { steps: 6, batchSize: 8, warmupSteps: 1 },
  stage1: { steps: 3, batchSize: 8, warmupSteps: 1 },
  stage2: { steps: 3, batchSize: 8, warmupSteps: 1 },
  stage3: { steps: 2, queriesPerStep: 2, groupSize: 2, maxReasoningTokens: 8 },
  eval: { maxReasoningTokens: 8 },
  checkpointEvery: 2,
});

test("t1 experiment on a tiny testbed: every row in results.json, RESULTS.md rendered, a rerun skips every step", async () => {
  const root = scratch(mkdtempSync(join(tmpdir(), "t1-exp-")));
  const bed = join(root, "bed"), out = join(root, "out");
  writeTestbed(makeTestbed(3, "tiny"), bed);
  const logs: string[] = [];
  const r = await runExperiment({ testbedDir: bed, seeds: [1], outDir: out, config: SMOKE, command: "t1 experiment (smoke)", quiet: true, log: (m) => logs.push(m) });
  const onDisk = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as ExperimentResults;
  assert.equal(onDisk.schema, RESULTS_SCHEMA);
  assert.deepEqual(Object.keys(onDisk.rows).sort(), [...ROWS].sort());
  for (const name of ROWS) {
    const row = onDisk.rows[name];
    for (const m of [row.ndcg10, row.recall10]) {
      assert.ok(m.mean >= 0 && m.mean <= 1, `${name}: ${m.mean}`);
      assert.equal(m.perSeed.length, 1);
    }
    assert.deepEqual(Object.keys(row.perFamily).sort(), onDisk.testbed.families);
  }
  // The testbed's BM25 sanity bounds hold through our evaluation path too.
  assert.ok(onDisk.rows.bm25.ndcg10.mean <= 0.25, `bm25 ${onDisk.rows.bm25.ndcg10.mean}`);
  assert.ok(onDisk.rows["bm25+gold_reasoning"].ndcg10.mean >= 0.8, `bm25+gold ${onDisk.rows["bm25+gold_reasoning"].ndcg10.mean}`);
  assert.equal(onDisk.reasoning["stage2:gold_reasoning"]!.answerRate.overall.mean, 1, "the testbed's gold reasoning states every answer");
  assert.ok(onDisk.reasoning["stage3:reason"]!.lengths.n === onDisk.testbed.test);
  for (const s of ["pretrain", "stage1", "stage2", "stage3", "stage3_nce_only", "stage2_continued"]) assert.ok(onDisk.wallSeconds[s]!.mean > 0, s);
  assert.ok(onDisk.curves["1"]!.stage3!.points.length === 2);
  assert.deepEqual(JSON.parse(readFileSync(join(out, "experiment.json"), "utf8")), SMOKE);
  const md = readFileSync(join(out, "RESULTS.md"), "utf8");
  for (const name of ROWS) assert.ok(md.includes(`\`${name}\``), name);
  assert.ok(md.includes("t1 experiment (smoke)"));
  assert.ok(readFileSync(join(out, "results-rows.svg"), "utf8").startsWith("<svg"));
  assert.ok(existsSync(join(out, "results-curves.svg")));

  // Resume: every step has its done-marker, so a rerun trains nothing and gives the same rows.
  const again: string[] = [];
  const r2 = await runExperiment({ testbedDir: bed, seeds: [1], outDir: out, config: SMOKE, command: "t1 experiment (smoke)", quiet: true, log: (m) => again.push(m) });
  assert.ok(again.filter((m) => m.includes(": started")).length === 0, again.join("\n"));
  assert.deepEqual(Object.fromEntries(ROWS.map((n) => [n, r2.rows[n].ndcg10])), Object.fromEntries(ROWS.map((n) => [n, r.rows[n].ndcg10])));

  // Another config in the same OUT is refused rather than mixed.
  await assert.rejects(runExperiment({ testbedDir: bed, seeds: [1], outDir: out, config: mergeConfig(SMOKE, { stage1: { steps: 4 } }), command: "x", quiet: true, log: () => {} }), (e: unknown) => e instanceof T1Error && e.code === "MISMATCH");
});

test("config overrides: unknown sections and keys and wrong types are errors naming the field", () => {
  assert.throws(() => mergeConfig(DEFAULT_CONFIG, { stage9: {} }, "c.json"), (e: unknown) => e instanceof InputError && /stage9/.test(e.message));
  assert.throws(() => mergeConfig(DEFAULT_CONFIG, { stage1: { stpes: 3 } }, "c.json"), (e: unknown) => e instanceof InputError && /stage1\.stpes/.test(e.message));
  assert.throws(() => mergeConfig(DEFAULT_CONFIG, { stage1: { steps: "3" } }, "c.json"), (e: unknown) => e instanceof InputError && /expected a number/.test(e.message));
  const dir = scratch(mkdtempSync(join(tmpdir(), "t1-expcfg-")));
  writeFileSync(join(dir, "bad.json"), "{ not json");
  assert.throws(() => readConfigFile(join(dir, "bad.json")), (e: unknown) => e instanceof InputError && e.message.includes("bad.json"));
  const c = mergeConfig(DEFAULT_CONFIG, { stage3: { steps: 7, rewardPool: "mined" } });
  assert.equal(c.stage3.steps, 7);
  assert.equal(c.stage1.steps, DEFAULT_CONFIG.stage1.steps, "the defaults are not mutated");
  rmSync(join(dir, "bad.json"));
});

test("reasoning statistics: answer entity, whole-word matching, shuffled pairing, length quantiles", () => {
  const corpus = new Map([["d1", { id: "d1", text: "The Kavo is a river town." }], ["d2", { id: "d2", text: "x", title: "Mugo" }]]);
  const q = (id: string, pos: string, reasoning: string, answer?: string) => ({ id, query: "q", positives: [pos], negatives: [], reasoning, family: "f", ...(answer ? { answer } : {}) });
  assert.equal(answerEntity(q("a", "d1", "r", "Ragu"), corpus), "Ragu");
  assert.equal(answerEntity(q("a", "d2", "r"), corpus), "Mugo");
  assert.equal(answerEntity(q("a", "d1", "r"), corpus), "Kavo");
  assert.ok(statesEntity("So the answer is Mugo.", "mugo"));
  assert.ok(!statesEntity("Mugoro is here.", "Mugo"));
  const qs = [q("a", "d1", "one two three"), q("b", "d2", "one two"), q("c", "d3", "one two three four")];
  const sh = shuffledReasoning(qs);
  assert.equal(sh.a, "one two", "b and c are both one word off; the rotation after a reaches b first");
  assert.notEqual(sh.b, qs[1]!.reasoning);
  const l = lengthStats([1, 2, 3, 4, 100], 10);
  assert.deepEqual([l.min, l.median, l.max, l.n], [1, 3, 100, 5]);
  assert.equal(l.histogram[0], 4);
});
