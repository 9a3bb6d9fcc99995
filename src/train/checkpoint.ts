import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { copyFileWithNormalMode, writeFileAtomic } from "../util/atomic.js";
import { InputError, T1Error } from "../util/errors.js";
import { readSafetensors, writeSafetensors, type TensorMap } from "../engine/safetensors.js";
import { toHfConfig } from "./model-config.js";
import type { TrainModel } from "./train-model.js";
import type { AdamW } from "./adamw.js";
import { readT1FormatSettings, writeT1FormatSettings, type T1FormatSettings } from "../data/t1-format/index.js";

/** Everything besides tensors that a resumed run needs to continue exactly. */
export interface TrainerState {
  /** Completed optimiser steps. */
  step: number;
  /** Examples consumed so far across epochs (the data-order cursor; epoch = floor(cursor / n)). */
  cursor: number;
  /** State of the loop's TrainRng after `step` steps. */
  rngState: number;
  /** Seed of the data order. */
  seed: number;
  /** Free-form: the options the run was started with, for a human reading the checkpoint. */
  options: Record<string, unknown>;
  /** State a stage needs to continue exactly (GRPO: its model-mined reward pool). */
  stageState?: unknown;
}

const TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json", "vocab.json", "merges.txt", "tokenizer.model"];

/**
 * Writes `<dir>/step-<n>/` in Hugging Face layout (config.json, model.safetensors, the tokenizer
 * files copied from tokenizerDir) plus optimizer.safetensors (AdamW moments "m.<name>",
 * "v.<name>"), trainer_state.json, and t1_format.json: `formatSettings` laid over the settings
 * saved with tokenizerDir's model (so a stage inherits what it does not change), or a copy of those.
 * Everything goes into a temporary sibling directory first and
 * is renamed into place, so a kill at any moment leaves either no checkpoint or a complete one.
 */
export function saveCheckpoint(dir: string, model: TrainModel, opt: AdamW, state: TrainerState, tokenizerDir?: string, formatSettings?: Partial<T1FormatSettings>): string {
  const name = `step-${String(state.step).padStart(7, "0")}`;
  const final = join(dir, name);
  const tmp = join(dir, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileAtomic(join(tmp, "config.json"), JSON.stringify(toHfConfig(model.config), null, 2) + "\n");
  writeSafetensors(join(tmp, "model.safetensors"), model.tensors(), { format: "pt" });
  const moments: TensorMap = new Map();
  for (const p of model.params) {
    const m = opt.m.get(p.name), v = opt.v.get(p.name);
    if (m && v) {
      moments.set("m." + p.name, { shape: p.shape, data: m });
      moments.set("v." + p.name, { shape: p.shape, data: v });
    }
  }
  writeSafetensors(join(tmp, "optimizer.safetensors"), moments, { adamStep: String(opt.step) });
  if (tokenizerDir) for (const f of TOKENIZER_FILES) if (existsSync(join(tokenizerDir, f))) copyFileWithNormalMode(join(tokenizerDir, f), join(tmp, f));
  const inherited = tokenizerDir ? readT1FormatSettings(tokenizerDir) : undefined;
  if (inherited || formatSettings) writeT1FormatSettings(tmp, { ...inherited, ...formatSettings });
  writeFileAtomic(join(tmp, "trainer_state.json"), JSON.stringify({ ...state, adamStep: opt.step }, null, 2) + "\n");
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  return final;
}

/** The newest complete checkpoint directory under dir, or undefined. Half-written temp dirs are ignored. */
export function latestCheckpoint(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const steps = readdirSync(dir)
    .filter((n) => /^step-\d+$/.test(n) && existsSync(join(dir, n, "trainer_state.json")))
    .sort();
  return steps.length ? join(dir, steps[steps.length - 1]) : undefined;
}

/** Deletes all but the newest `keep` checkpoints and any temp dir a killed run left behind. */
export function pruneCheckpoints(dir: string, keep: number): void {
  if (!existsSync(dir)) return;
  const names = readdirSync(dir);
  for (const n of names) if (/^\.step-\d+\.tmp-\d+$/.test(n) && !n.endsWith(`-${process.pid}`)) rmSync(join(dir, n), { recursive: true, force: true });
  const steps = names.filter((n) => /^step-\d+$/.test(n)).sort();
  for (const n of steps.slice(0, Math.max(0, steps.length - keep))) rmSync(join(dir, n), { recursive: true, force: true });
}

/** Restores weights, AdamW moments and step into an existing model/optimiser; returns the loop state. */
export async function loadCheckpoint(path: string, model: TrainModel, opt: AdamW): Promise<TrainerState> {
  const stateFile = join(path, "trainer_state.json");
  let state: TrainerState & { adamStep: number };
  try {
    state = JSON.parse(readFileSync(stateFile, "utf8"));
  } catch (e) {
    throw new InputError(`cannot read trainer state: ${(e as Error).message}`, { file: stateFile });
  }
  for (const f of ["step", "cursor", "rngState", "seed", "adamStep"] as const) {
    if (typeof state[f] !== "number") throw new InputError(`expected a number`, { file: stateFile, field: f });
  }
  const weights = await readSafetensors(join(path, "model.safetensors"));
  for (const p of model.params) {
    const t = weights.get(p.name);
    if (!t || t.data.length !== p.data.length) throw new T1Error("MISMATCH", `${basename(path)}: weight "${p.name}" missing or of another shape than the model's [${p.shape}]`);
    p.data.set(t.data);
  }
  const moments = await readSafetensors(join(path, "optimizer.safetensors"));
  for (const [name, m] of opt.m) {
    const tm = moments.get("m." + name), tv = moments.get("v." + name);
    if (!tm || !tv) throw new T1Error("MISMATCH", `${basename(path)}: optimizer moments for "${name}" are missing (was the freeze list changed?)`);
    m.set(tm.data);
    opt.v.get(name)!.set(tv.data);
  }
  opt.step = state.adamStep;
  return state;
}
