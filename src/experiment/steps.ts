/**
 * Checkpointed steps of the experiment: each step owns a directory and, when it finishes, writes
 * `done.json` there (atomically) with its wall time and its result. A rerun returns the stored
 * result without redoing the work; a step killed halfway has no marker and runs again (the
 * training loops inside resume from their own checkpoints).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { InputError } from "../util/errors.js";

export interface StepRecord<T> {
  step: string;
  /** Wall time of the run that finished the step (a resumed step counts only its last run). */
  seconds: number;
  finishedAt: string;
  result: T;
}

export const DONE_FILE = "done.json";

export function readStep<T>(dir: string): StepRecord<T> | undefined {
  const file = join(dir, DONE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as StepRecord<T>;
  } catch (e) {
    throw new InputError(`unreadable done-marker (${(e as Error).message}); delete it to redo the step`, { file });
  }
}

/** Runs `work` in `dir` unless it already finished there; `log` hears what happened. */
export async function runStep<T>(dir: string, step: string, work: (dir: string) => Promise<T>, log: (msg: string) => void): Promise<StepRecord<T>> {
  const prev = readStep<T>(dir);
  if (prev) {
    log(`${step}: done (${prev.seconds.toFixed(1)} s, ${prev.finishedAt}); skipped`);
    return prev;
  }
  mkdirSync(dir, { recursive: true });
  log(`${step}: started`);
  const t0 = performance.now();
  const result = await work(dir);
  const record: StepRecord<T> = { step, seconds: (performance.now() - t0) / 1000, finishedAt: new Date().toISOString(), result };
  writeFileAtomic(join(dir, DONE_FILE), JSON.stringify(record, null, 1) + "\n");
  log(`${step}: finished in ${record.seconds.toFixed(1)} s`);
  return record;
}
