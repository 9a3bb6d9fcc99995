#!/usr/bin/env node
// Compiles src/ to dist/ with tsc. Worker threads on Node 20 cannot load .ts through tsx, so the
// engine's worker code must exist as compiled JavaScript before tests, benchmarks or the CLI run.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
if (!existsSync(tsc)) {
  console.error("build: TypeScript is not installed; run `npm ci` first.");
  process.exit(1);
}
const result = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json")], { stdio: "inherit" });
if (result.status !== 0) process.exit(result.status ?? 1);
// Non-TypeScript assets that ship with the code (the search page): mirrored into dist/.
const ASSET = /\.(html|css|svg)$/;
function copyAssets(from, to) {
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    if (statSync(src).isDirectory()) copyAssets(src, join(to, name));
    else if (ASSET.test(name)) {
      mkdirSync(to, { recursive: true });
      copyFileSync(src, join(to, name));
    }
  }
}
copyAssets(join(root, "src"), join(root, "dist"));
const cli = join(root, "dist", "cli", "main.js");
if (existsSync(cli)) chmodSync(cli, 0o755);
