import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { needShared } from "../helpers/shared.js";
import { packageRoot } from "../../src/util/paths.js";

test("t1 evaluate -q -m ... prints trec_eval's exact lines; bad input exits 2", (t) => {
  const dir = needShared("data", "trec_eval");
  if (typeof dir !== "string") return t.skip(dir.skip);
  const root = packageRoot();
  const cli = (args: string[]) => spawnSync(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "evaluate", ...args], { cwd: root, encoding: "utf8" });
  const ok = cli(["--qrels", join(dir, "qrels.test"), "--run", join(dir, "results.test"), "-q", "-m", "P.5,7,3,recall.20,2000,ndcg_cut.10,20,23.4,success.2,5,20"]);
  assert.equal(ok.status, 0, ok.stderr);
  const names = new Set(["P_3", "P_5", "P_7", "recall_20", "recall_2000", "ndcg_cut_10", "ndcg_cut_20", "ndcg_cut_23", "success_2", "success_5", "success_20"]);
  const expected = readFileSync(join(dir, "out.test.meas_params"), "utf8").split("\n").filter((l) => names.has(l.split("\t")[0]!.trim()));
  assert.deepEqual(ok.stdout.trimEnd().split("\n"), expected);
  const bad = cli(["--qrels", join(dir, "qrels.test"), "--run", join(dir, "results.test"), "-m", "ndcg@10"]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown measure "ndcg@10"/);
});
