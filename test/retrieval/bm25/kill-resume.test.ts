/** `t1 bm25 index` killed with SIGKILL mid-build resumes from its segments and writes the same index. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../../src/util/paths.js";
import { buildBm25IndexSync, openBm25Index } from "../../../src/retrieval/bm25/index.js";

const root = packageRoot();
const cli = (args: string[]) => [process.execPath, ["--import", "tsx", join(root, "src", "cli", "main.ts"), ...args]] as const;

test("SIGKILL during t1 bm25 index, then the same command again: identical to a one-shot build", async () => {
  const dir = mkdtempSync(join(tmpdir(), "t1-bm25-kill-"));
  try {
    const words = "flow layer boundary heat shock wave plate mach number pressure drag lift wing".split(" ");
    const docs = Array.from({ length: 60_000 }, (_, i) => ({ id: `d${i}`, text: Array.from({ length: 5 + (i % 40) }, (_, j) => words[(i * 7 + j * 13) % words.length] + String((i + j) % 97)).join(" ") }));
    writeFileSync(join(dir, "docs.jsonl"), docs.map((d) => JSON.stringify(d)).join("\n") + "\n");
    const out = join(dir, "idx.bm25");
    const args = ["bm25", "index", "--corpus", join(dir, "docs.jsonl"), "--out", out, "--checkpoint-every", "5000", "--quiet"];
    const [cmd, argv] = cli(args);
    const child = spawn(cmd, argv, { cwd: root, stdio: "ignore" });
    const manifest = join(out + ".parts", "manifest.json");
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { segments: unknown[] }).segments.length >= 2) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    assert.ok(!existsSync(out), "killed before the index was written");
    const done = (JSON.parse(readFileSync(manifest, "utf8")) as { segments: unknown[] }).segments.length;
    assert.ok(done >= 2 && done < 12, `killed after ${done} segments`);

    const again = spawnSync(...cli(args.filter((a) => a !== "--quiet")), { cwd: root, encoding: "utf8" });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /resuming after \d+ documents/);
    const resumed = openBm25Index(out);
    const whole = buildBm25IndexSync(docs, { quiet: true });
    for (const key of Object.keys(whole.arrays) as (keyof typeof whole.arrays)[]) assert.deepEqual(resumed.arrays[key], whole.arrays[key], key);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
