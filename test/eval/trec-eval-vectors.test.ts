import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { needShared } from "../helpers/shared.js";
import { readQrels, readRun } from "../../src/data/trec-files.js";
import { evaluateRun, formatTrecEval } from "../../src/eval/evaluate.js";

// NIST trec_eval's own test vectors: every line of every measure we implement must be reproduced
// byte for byte (name padding, qid, 4-decimal value), in trec_eval's order.

/** Our measures in the order trec_eval's measure table prints them (all_trec). */
const ALL_TREC_SUPPORTED = [
  "num_q", "num_ret", "num_rel", "num_rel_ret", "map", "gm_map", "Rprec", "bpref", "recip_rank",
  "iprec_at_recall", "P", "relstring", "recall", "infAP", "gm_bpref", "Rprec_mult", "utility", "11pt_avg", "binG", "G", "ndcg", "ndcg_rel", "Rndcg",
  "ndcg_cut", "map_cut", "relative_P", "success", "set_P", "set_relative_P", "set_recall", "set_map",
  "set_F", "num_nonrel_judged_ret", "rbp", "rbp_resid", "unj",
];

function expectedLines(file: string, names: Set<string>): string[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "" && names.has(l.split("\t")[0]!.trim()));
}

function namesOf(result: ReturnType<typeof evaluateRun>): Set<string> {
  return new Set(result.measures.map((m) => m.name));
}

test("all_trec measures we support equal out.test.a (averages)", (t) => {
  const dir = needShared("data", "trec_eval");
  if (typeof dir !== "string") return t.skip(dir.skip);
  const result = evaluateRun(readQrels(join(dir, "qrels.test")), readRun(join(dir, "results.test")), { measures: ALL_TREC_SUPPORTED });
  const names = namesOf(result);
  names.add("runid");
  const expected = expectedLines(join(dir, "out.test.a"), names);
  assert.equal(expected.length, names.size - 1, "every supported measure appears in out.test.a (relstring is per query only)");
  const ours = formatTrecEval(result, { runid: "STANDARD" }).trimEnd().split("\n");
  assert.deepEqual(ours, expected);
});

test("per-query and averaged lines equal out.test.aq (-q)", (t) => {
  const dir = needShared("data", "trec_eval");
  if (typeof dir !== "string") return t.skip(dir.skip);
  const result = evaluateRun(readQrels(join(dir, "qrels.test")), readRun(join(dir, "results.test")), { measures: ALL_TREC_SUPPORTED });
  const names = namesOf(result);
  names.add("runid");
  const expected = expectedLines(join(dir, "out.test.aq"), names);
  // 3 queries x (measures printed per query) + the all block (every measure + runid)
  assert.equal(expected.length, 3 * result.measures.filter((m) => m.perQuery).length + names.size - 1, "all 387 lines");
  assert.equal(expected.length, 387);
  const ours = formatTrecEval(result, { perQuery: true, runid: "STANDARD" }).trimEnd().split("\n");
  assert.deepEqual(ours, expected);
});

test("parameterised requests equal out.test.meas_params", (t) => {
  const dir = needShared("data", "trec_eval");
  if (typeof dir !== "string") return t.skip(dir.skip);
  // The QUICKTEST flags in trec_eval's order.
  const result = evaluateRun(readQrels(join(dir, "qrels.test")), readRun(join(dir, "results.test")), {
    measures: ["iprec_at_recall..10,.20,.25,.75,.50", "P.5,7,3", "recall.20,2000", "Rprec_mult.5.0,0.2,0.35", "utility.2,-1,0,0", "11pt_avg..25,.5,.75", "ndcg.1=3,2=9,4=4.5", "ndcg_cut.10,20,23.4", "success.2,5,20"],
  });
  assert.deepEqual(result.measures.map((m) => m.name), [
    "iprec_at_recall_0.10", "iprec_at_recall_0.20", "iprec_at_recall_0.25", "iprec_at_recall_0.50", "iprec_at_recall_0.75",
    "P_3", "P_5", "P_7", "recall_20", "recall_2000", "Rprec_mult_0.20", "Rprec_mult_0.35", "Rprec_mult_5.00",
    "utility_2,-1,0,0", "11pt_avg_.25,.5,.75", "ndcg_1=3,2=9,4=4.5", "ndcg_cut_10", "ndcg_cut_20", "ndcg_cut_23", "success_2", "success_5", "success_20",
  ]);
  const expected = expectedLines(join(dir, "out.test.meas_params"), namesOf(result));
  assert.equal(expected.length, 4 * 22, "every line of out.test.meas_params");
  assert.deepEqual(formatTrecEval(result, { perQuery: true }).trimEnd().split("\n"), expected);
});

test("default measures equal out.test (no -m)", (t) => {
  const dir = needShared("data", "trec_eval");
  if (typeof dir !== "string") return t.skip(dir.skip);
  const result = evaluateRun(readQrels(join(dir, "qrels.test")), readRun(join(dir, "results.test")), {
    measures: ["num_q", "num_ret", "num_rel", "num_rel_ret", "map", "Rprec", "bpref", "recip_rank", "P"],
  });
  const names = namesOf(result);
  names.add("runid");
  assert.deepEqual(formatTrecEval(result, { runid: "STANDARD" }).trimEnd().split("\n"), expectedLines(join(dir, "out.test"), names));
});

test("-c averages over every qrels query; missing ones score 0, count their num_rel and print (trec_eval 10)", (t) => {
  const dir = needShared("data", "trec_eval");
  if (typeof dir !== "string") return t.skip(dir.skip);
  const qrels = readQrels(join(dir, "qrels.test"));
  const run = readRun(join(dir, "results.test"));
  const measures = ["num_q", "num_rel", "num_ret", "map", "ndcg_cut.10", "P.10"];
  const full = evaluateRun(qrels, run, { measures });
  run.delete("303");
  const plain = evaluateRun(qrels, run, { measures });
  const complete = evaluateRun(qrels, run, { measures, completeQueries: true });
  const q301 = full.perQuery.get("301")!;
  const q302 = full.perQuery.get("302")!;
  assert.equal(plain.mean.num_q, 2);
  assert.equal(complete.mean.num_q, 3);
  for (const m of ["map", "ndcg_cut_10", "P_10"]) {
    assert.equal(plain.mean[m], (q301[m]! + q302[m]!) / 2, m);
    assert.equal(complete.mean[m], (q301[m]! + q302[m]!) / 3, m);
  }
  assert.equal(plain.mean.num_rel, q301.num_rel! + q302.num_rel!);
  assert.equal(complete.mean.num_rel, full.mean.num_rel);
  assert.equal(complete.mean.num_ret, 1000);
  assert.equal(plain.perQuery.has("303"), false);
  assert.deepEqual(complete.perQuery.get("303"), { num_q: 1, num_rel: full.perQuery.get("303")!.num_rel, num_ret: 0, map: 0, ndcg_cut_10: 0, P_10: 0 });
});

test("-M depth and -l relevance level change what counts", (t) => {
  const dir = needShared("data", "trec_eval");
  if (typeof dir !== "string") return t.skip(dir.skip);
  const qrels = readQrels(join(dir, "qrels.test"));
  const run = readRun(join(dir, "results.test"));
  const full = evaluateRun(qrels, run, { measures: ["P.100", "num_ret"] });
  const cut = evaluateRun(qrels, run, { measures: ["P.100", "num_ret", "recall.1000", "recall.100"], depth: 100 });
  assert.equal(cut.mean.num_ret, 300);
  assert.equal(cut.mean.P_100, full.mean.P_100);
  assert.equal(cut.mean.recall_1000, cut.mean.recall_100);
  const strict = evaluateRun(qrels, run, { measures: ["num_rel"], relevanceLevel: 2 });
  assert.equal(strict.mean.num_rel, 0, "qrels.test is binary: nothing reaches level 2");
});

test("pytrec_eval mode uses trec_eval 9's recall rounding (values from trec_eval 9.0.8's own out.test.aq)", (t) => {
  const dir = needShared("data", "trec_eval");
  if (typeof dir !== "string") return t.skip(dir.skip);
  const qrels = readQrels(join(dir, "qrels.test"));
  const run = readRun(join(dir, "results.test"));
  const measures = ["iprec_at_recall.0.1,0.6", "11pt_avg"];
  const v9 = evaluateRun(qrels, run, { measures, mode: "pytrec_eval" });
  const v10 = evaluateRun(qrels, run, { measures });
  const f = (x: number) => x.toFixed(4);
  // trec_eval 9.0.8 prints these; 10.0 (the shared vectors) prints 0.2098, 0.1528, 0.4370, 0.1962.
  assert.equal(f(v9.perQuery.get("301")!["iprec_at_recall_0.10"]!), "0.2096");
  assert.equal(f(v9.perQuery.get("302")!["iprec_at_recall_0.60"]!), "0.1420");
  assert.equal(f(v9.perQuery.get("302")!["11pt_avg"]!), "0.4360");
  assert.equal(f(v9.mean["11pt_avg"]!), "0.1958");
  assert.equal(f(v10.perQuery.get("302")!["iprec_at_recall_0.60"]!), "0.1528");
  assert.equal(f(v10.mean["11pt_avg"]!), "0.1962");
});
