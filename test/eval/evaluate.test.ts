import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateRun, formatFixed4, formatTrecEval } from "../../src/eval/evaluate.js";
import { parseMeasures } from "../../src/eval/measures.js";
import { parseQrels } from "../../src/data/trec-files.js";
import { InputError } from "../../src/util/errors.js";
import type { Run } from "../../src/data/types.js";

// A small case worked out by hand (values in the comments), for the pytrec_eval averaging that BRIGHT
// uses and for trec_eval's tie-breaking.
const qrels = parseQrels(["q1 0 d1 2", "q1 0 d2 1", "q1 0 d3 0", "q2 0 d5 1", "q3 0 d9 1", "q5 0 a 1"].join("\n"));
function run(): Run {
  return new Map([
    ["q1", [{ docid: "d3", score: 0.9 }, { docid: "d1", score: 0.8 }, { docid: "d4", score: 0.7 }, { docid: "d2", score: 0.5 }]],
    ["q2", [{ docid: "d6", score: 1.0 }, { docid: "d5", score: 0.5 }]],
    ["q4", [{ docid: "d1", score: 1.0 }]], // no judgments: ignored
  ]);
}

test("pytrec_eval mode: hand-computed per-query values and means over run ∩ qrels", () => {
  const r = evaluateRun(qrels, run(), { measures: ["recip_rank", "map", "ndcg_cut.3", "recall.2", "P.1", "success.1,2"], mode: "pytrec_eval" });
  assert.deepEqual([...r.perQuery.keys()], ["q1", "q2"]);
  const l3 = Math.log2(3);
  // q1 ranks d3(0) d1(2) d4(unjudged) d2(1): first relevant at 2; AP = (1/2 + 2/4) / 2;
  // DCG@3 = 2/log2(3); ideal = 2/log2(2) + 1/log2(3).
  const q1 = r.perQuery.get("q1")!;
  assert.equal(q1.recip_rank, 0.5);
  assert.equal(q1.map, 0.5);
  assert.ok(Math.abs(q1.ndcg_cut_3! - 2 / l3 / (2 + 1 / l3)) < 1e-15);
  assert.equal(q1.recall_2, 0.5);
  assert.equal(q1.P_1, 0);
  assert.equal(q1.success_1, 0);
  assert.equal(q1.success_2, 1);
  // q2 ranks d6(unjudged) d5(1).
  const q2 = r.perQuery.get("q2")!;
  assert.ok(Math.abs(q2.ndcg_cut_3! - 1 / l3) < 1e-15);
  assert.equal(q2.recall_2, 1);
  assert.equal(r.numQueries, 2);
  assert.ok(Math.abs(r.mean.ndcg_cut_3! - (2 / l3 / (2 + 1 / l3) + 1 / l3) / 2) < 1e-15);
  assert.equal(r.mean.recall_2, 0.75);
  // trec_eval default mode agrees here (no duplicates); -c would divide by 4 qrels queries.
  const te = evaluateRun(qrels, run(), { measures: ["recall.2"] });
  assert.equal(te.mean.recall_2, 0.75);
  assert.equal(evaluateRun(qrels, run(), { measures: ["recall.2"], completeQueries: true }).mean.recall_2, 1.5 / 4);
});

test("duplicates: trec_eval refuses them, pytrec_eval keeps the last score", () => {
  const r = run();
  r.get("q2")!.push({ docid: "d5", score: 2.0 });
  assert.throws(() => evaluateRun(qrels, r, { measures: ["map"] }), (e: unknown) => e instanceof InputError && /d5.*twice.*q2/.test(e.message));
  const py = evaluateRun(qrels, r, { measures: ["recip_rank"], mode: "pytrec_eval" });
  assert.equal(py.perQuery.get("q2")!.recip_rank, 1);
});

test("ties are broken by docid descending (strcmp), as trec_eval does", () => {
  const tied: Run = new Map([["q5", [{ docid: "a", score: 1 }, { docid: "b", score: 1 }]]]);
  assert.equal(evaluateRun(qrels, tied, { measures: ["recip_rank"] }).perQuery.get("q5")!.recip_rank, 0.5);
  const ten: Run = new Map([["q5", [{ docid: "a", score: 1 }, { docid: "B", score: 1 }]]]); // "a" > "B" in strcmp order
  assert.equal(evaluateRun(qrels, ten, { measures: ["recip_rank"] }).perQuery.get("q5")!.recip_rank, 1);
});

test("measure requests: trec_eval -m syntax, printed names, defaults, errors", () => {
  const names = (req: string[]) => parseMeasures(req).map((m) => m.name);
  assert.deepEqual(names(["ndcg_cut.10,100", "map", "recall.100", "P.5,10", "recip_rank"]), ["ndcg_cut_10", "ndcg_cut_100", "map", "recall_100", "P_5", "P_10", "recip_rank"]);
  assert.deepEqual(names(["map,ndcg_cut.10,100,P_5"]), ["map", "ndcg_cut_10", "ndcg_cut_100", "P_5"]);
  assert.deepEqual(names(["success"]), ["success_1", "success_5", "success_10"]);
  assert.deepEqual(names(["P"]), ["P_5", "P_10", "P_15", "P_20", "P_30", "P_100", "P_200", "P_500", "P_1000"]);
  assert.deepEqual(names(["ndcg_cut_10", "ndcg_cut.10"]), ["ndcg_cut_10"]);
  assert.throws(() => parseMeasures(["ndcg@10"]), /unknown measure "ndcg@10"/);
  assert.throws(() => parseMeasures(["P.0"]), /cutoff "0" must be a positive integer/);
  assert.throws(() => parseMeasures(["map.5"]), /takes no parameters/);
  assert.throws(() => evaluateRun(qrels, run(), { measures: ["map"], mode: "pytrec_eval", completeQueries: true }), /completeQueries/);
});

test("format: C printf rounding of exact ties, integer counts, trec_eval padding", () => {
  assert.equal(formatFixed4(0.03125), "0.0312"); // exact binary tie: half to even, as printf
  assert.equal(formatFixed4(0.09375), "0.0938");
  assert.equal(formatFixed4(0.12345678), "0.1235");
  assert.equal(formatFixed4(-412.66666), "-412.6667");
  assert.equal(formatFixed4(1), "1.0000");
  const r = evaluateRun(qrels, run(), { measures: ["num_q", "num_ret", "map"] });
  assert.equal(formatTrecEval(r, { perQuery: true }), ["num_ret               \tq1\t4", "map                   \tq1\t0.5000", "num_ret               \tq2\t2", "map                   \tq2\t0.5000", "num_q                 \tall\t2", "num_ret               \tall\t6", "map                   \tall\t0.5000", ""].join("\n"));
});
