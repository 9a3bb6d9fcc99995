import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../../src/util/paths.js";

// The README points at examples/quickstart.ts; running it here keeps the documented API honest.
test("examples/quickstart.ts indexes, searches with reasoning and evaluates", () => {
  const root = packageRoot();
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "examples", "quickstart.ts")], { cwd: root, encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  const hits = r.stdout.split("\n").filter((l) => /^\s+d[123]\s+cosine=-?\d\.\d{4}$/.test(l));
  assert.deepEqual(hits.map((l) => l.trim().split(/\s+/)[0]).sort(), ["d1", "d2", "d3"]);
  assert.match(r.stdout, /^query q1: reasoning \(\d+ tokens\)/m);
  assert.match(r.stdout, /^nDCG@10 [01]\.\d{4}  MRR [01]\.\d{4}$/m);
});
