import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { needShared } from "../helpers/shared.js";
import { packageRoot } from "../../src/util/paths.js";

test("t1 evaluate -q -m all_trec prints trec_eval's exact lines (out.test.aq); bad input exits 2", (t) => {
  const dir = needShared("data", "trec_eval");
  if (typeof dir !== "string") return t.skip(dir.skip);
  const root = packageRoot();
  const cli = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "evaluate", ...args], { cwd: root, encoding: "utf8" });
  const ok = cli(["--qrels", join(dir, "qrels.test"), "--run", join(dir, "results.test"), "-q", "-m", "all_trec"]);
  assert.equal(ok.status, 0, ok.stderr);
  const lines = ok.stdout.trimEnd().split("\n");
  const names = new Set(lines.map((l) => l.split("\t")[0]!.trim()));
  const expected = readFileSync(join(dir, "out.test.aq"), "utf8").split("\n").filter((l) => names.has(l.split("\t")[0]!.trim()));
  assert.deepEqual(lines, expected);
  assert.equal(lines.length, 387, `all_trec reproduces the whole of out.test.aq (${lines.length} of 387 lines)`);
  const bad = cli(["--qrels", join(dir, "qrels.test"), "--run", join(dir, "results.test"), "-m", "ndcg@10"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown measure "ndcg@10"/);
});

test("t1 evaluate -m A -m B accumulates measures as trec_eval does (lines equal trec_eval's out.test.a)", (t) => {
  const dir = needShared("data", "trec_eval");
  if (typeof dir !== "string") return t.skip(dir.skip);
  const root = packageRoot();
  const cli = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "evaluate", ...args], { cwd: root, encoding: "utf8" });
  const base = ["--qrels", join(dir, "qrels.test"), "--run", join(dir, "results.test")];
  const res = cli([...base, "-m", "ndcg_cut.10", "-m", "map", "-m", "P.5,10"]);
  assert.equal(res.status, 0, res.stderr);
  const lines = res.stdout.trimEnd().split("\n");
  const names = lines.map((l) => l.split("\t")[0]!.trim());
  assert.deepEqual(names, ["map", "P_5", "P_10", "ndcg_cut_10"], "every -m is kept (trec_eval's print order)");
  const reference = new Map(readFileSync(join(dir, "out.test.a"), "utf8").split("\n").map((l) => [l.split("\t")[0]!.trim(), l] as const));
  for (const line of lines) assert.equal(line, reference.get(line.split("\t")[0]!.trim()));
  const joined = cli([...base, "-m", "ndcg_cut.10,map,P.5,10"]);
  assert.equal(joined.stdout, res.stdout, "repeated -m equals one comma-joined -m");
  const reordered = cli([...base, "-m", "P.10,5", "-m", "map", "-m", "ndcg_cut.10"]);
  assert.equal(reordered.stdout, res.stdout, "the order of -m does not change trec_eval's print order");
});

test("t1 evaluate -c, --mode pytrec_eval and --json on a run missing a qrels query (through the command)", async (t) => {
  const dir = needShared("data", "trec_eval");
  if (typeof dir !== "string") return t.skip(dir.skip);
  const { runInProcess } = await import("../cli/in-process.js");
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { readQrels, readRun } = await import("../../src/data/trec-files.js");
  const { evaluateRun } = await import("../../src/eval/evaluate.js");
  const tmp = mkdtempSync(join(tmpdir(), "t1-eval-cli-"));
  try {
    // results.test without query 303: trec_eval averages over 2 queries, -c over all 3 qrels queries.
    const run = join(tmp, "no303.run");
    writeFileSync(run, readFileSync(join(dir, "results.test"), "utf8").split("\n").filter((l) => l && !/^303\s/.test(l)).join("\n") + "\n");
    const qrels = join(dir, "qrels.test");
    const measures = ["map", "ndcg_cut.10", "P.10", "recall.100", "recip_rank", "success.1"];
    const full = evaluateRun(readQrels(qrels), readRun(join(dir, "results.test")), { measures });
    const json = async (...extra: string[]) => {
      const r = await runInProcess(["evaluate", "--qrels", qrels, "--run", run, "-m", measures.join(","), "--json", ...extra]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { mode: string; numQueries: number; mean: Record<string, number>; perQuery?: Record<string, Record<string, number>> };
    };
    const plain = await json();
    const complete = await json("-c");
    const pytrec = await json("--mode", "pytrec_eval", "-q");
    assert.equal(plain.numQueries, 2);
    assert.equal(complete.numQueries, 3);
    assert.equal(pytrec.mode, "pytrec_eval");
    assert.equal(pytrec.numQueries, 2, "pytrec_eval: only queries in both run and qrels");
    assert.deepEqual(Object.keys(pytrec.perQuery!).sort(), ["301", "302"]);
    for (const m of ["map", "ndcg_cut_10", "P_10", "recall_100", "recip_rank", "success_1"]) {
      const sum = full.perQuery.get("301")![m]! + full.perQuery.get("302")![m]!;
      assert.ok(Math.abs(plain.mean[m]! - sum / 2) < 1e-12, `${m}: mean over run queries`);
      assert.ok(Math.abs(complete.mean[m]! - sum / 3) < 1e-12, `${m}: -c counts the missing query as 0`);
      assert.ok(Math.abs(pytrec.mean[m]! - sum / 2) < 1e-12, `${m}: pytrec_eval mean`);
      assert.equal(pytrec.perQuery!["301"]![m], full.perQuery.get("301")![m], `${m}: per-query value`);
    }
    // trec_eval lines with -c: the missing query counts in num_q and scores 0 in the mean.
    const lines = await runInProcess(["evaluate", "--qrels", qrels, "--run", run, "-c", "-m", "num_q,map"]);
    assert.equal(lines.code, 0, lines.stderr);
    assert.match(lines.stdout, /^num_q\s+\tall\t3$/m);
    assert.match(lines.stdout, new RegExp(`^map\\s+\\tall\\t${((full.perQuery.get("301")!.map! + full.perQuery.get("302")!.map!) / 3).toFixed(4)}$`, "m"));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
