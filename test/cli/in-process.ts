/**
 * Runs `t1 ARGS` inside the test process through main(), as the entry point would: stdout/stderr
 * text and the exit code its error mapping gives (2 for BAD_INPUT, NOT_FOUND, MISMATCH; else 1).
 * Much cheaper than spawning; tests still spawn the CLI once where the process boundary matters.
 */
import { format } from "node:util";
import { main } from "../../src/cli/main.js";
import { T1Error } from "../../src/util/errors.js";

export async function runInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  // Only console.* is captured: node:test reports through process.stdout, which must stay intact
  // (capturing it swallowed other tests' results).
  const saved = { log: console.log, error: console.error };
  console.log = (...a: unknown[]) => void out.push(format(...a) + "\n");
  console.error = (...a: unknown[]) => void err.push(format(...a) + "\n");
  try {
    const code = await main(args);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } catch (e) {
    if (!(e instanceof T1Error)) throw e;
    const code = e.code === "BAD_INPUT" || e.code === "NOT_FOUND" || e.code === "MISMATCH" ? 2 : 1;
    return { code, stdout: out.join(""), stderr: err.join("") + `t1: error [${e.code}]: ${e.message}\n` };
  } finally {
    console.log = saved.log;
    console.error = saved.error;
  }
}
