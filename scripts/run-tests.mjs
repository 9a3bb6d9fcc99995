#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's built-in runner through tsx.
// `--slow` runs test/**/*.slow.test.ts instead (checks too slow for `npm test`).
// Extra arguments that are paths or substrings filter the files: `npm test -- bm25`.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const slow = args.includes("--slow");
const filters = args.filter((a) => !a.startsWith("--"));

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

const files = walk(join(root, "test"))
  .filter((f) => (slow ? f.endsWith(".slow.test.ts") : f.endsWith(".test.ts") && !f.endsWith(".slow.test.ts")))
  .filter((f) => filters.length === 0 || filters.some((q) => relative(root, f).includes(q)))
  .sort();
if (files.length === 0) {
  console.error("run-tests: no test files matched");
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", ...files],
  { stdio: "inherit", cwd: root },
);
process.exit(result.status ?? 1);
