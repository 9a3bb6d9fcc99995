import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../util/atomic.js";

/** One line of log.jsonl: one optimiser step. */
export interface StepLog {
  step: number;
  loss: number;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Real (unpadded) tokens processed per second of wall time in this step. */
  tokensPerSecond: number;
  /** Objective terms when present. */
  lm?: number;
  infoNce?: number;
  /** Real tokens in the step (all micro-batches). */
  tokens: number;
  /** Seconds of wall time in the step. */
  seconds: number;
  /** Resident memory of the process after the step, MiB (weights, optimiser, kernel heap). */
  rssMiB?: number;
}

/** Reads log.jsonl; a torn last line from a killed run is skipped. */
export function readStepLog(path: string): StepLog[] {
  if (!existsSync(path)) return [];
  const out: StepLog[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as StepLog);
    } catch {
      /* torn write at the moment of a kill */
    }
  }
  return out;
}

/**
 * On resume from a checkpoint at `step`, lines of steps after it were written by the killed run
 * and will be recomputed: drop them so the log has each step exactly once.
 */
export function truncateStepLog(path: string, step: number): void {
  if (!existsSync(path)) return;
  const kept = readStepLog(path).filter((l) => l.step <= step);
  writeFileAtomic(path, kept.map((l) => JSON.stringify(l) + "\n").join(""));
}

export function appendStepLog(path: string, entry: StepLog): void {
  appendFileSync(path, JSON.stringify(entry) + "\n");
}
