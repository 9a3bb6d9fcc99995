import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { readStepLog } from "../../src/train/train-log.js";

/**
 * Starts a training child (`node --import tsx script ...args`), waits until its `outDir/log.jsonl`
 * holds at least `steps` lines, SIGKILLs it and returns how many steps it had logged by then.
 */
export async function killAfterSteps(script: string, args: string[], outDir: string, steps: number): Promise<number> {
  const p = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: "ignore" });
  const exited = new Promise((r) => p.on("exit", r));
  const log = join(outDir, "log.jsonl");
  const deadline = Date.now() + 60_000;
  while (readStepLog(log).length < steps) {
    assert.ok(Date.now() < deadline, "child made no progress");
    await new Promise((r) => setTimeout(r, 20));
  }
  p.kill("SIGKILL");
  await exited;
  return readStepLog(log).length;
}
