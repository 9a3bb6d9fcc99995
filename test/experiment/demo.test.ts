import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/util/paths.js";
import { scratch } from "../helpers/scratch.js";

test("t1 start (npm start) runs the T1 demo offline with the built-in model, without ../shared", () => {
  const dir = scratch(mkdtempSync(join(tmpdir(), "t1-demo-")));
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", join(packageRoot(), "src", "cli", "main.ts"), "start", "--dir", dir], {
    cwd: packageRoot(), encoding: "utf8", env: { ...process.env, T1_SHARED_DIR: join(dir, "no-shared-here") },
  });
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(r.status, 0, r.stderr);
  assert.ok(seconds < 120, `${seconds} s`);
  assert.match(r.stderr, /index corpus: 150\/150 docs/, "the corpus is indexed with a progress bar");
  assert.equal((r.stdout.match(/^ {3}Q \[/gm) ?? []).length, 3, "three questions with their reasoning");
  assert.equal((r.stdout.match(/^ {3}[✓ ] [1-5]\. D\d+/gm) ?? []).length, 15, "top 5 hits each");
  assert.match(r.stdout, /✓/, "gold documents are marked");
  for (const row of ["BM25 (query alone)", "T1 model, no reasoning", "T1 (own reasoning)", "T1 + gold reasoning (oracle)"]) assert.match(r.stdout, new RegExp(`${row.replace(/[()+]/g, "\\$&")}\\s+\\d\\.\\d{3}\\s+\\d\\.\\d{3}`), row);
  assert.match(r.stdout, /T1 \+ gold reasoning \(oracle\)\s+1\.000/, "the gold reasoning finds every answer on the testbed");
  assert.match(r.stdout, /t1 search/);
  // The suggested index command names options t1 index has (--max-doc-length, not --max-length).
  assert.match(r.stdout, /t1 index --model \S+ --corpus \S+ --out \S+ --instruction "[^"]+" --max-doc-length \d+\n/);
  assert.match(r.stdout, /t1 serve/);
});
