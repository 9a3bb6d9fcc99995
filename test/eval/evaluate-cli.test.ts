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
