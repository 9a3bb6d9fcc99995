/**
 * T1 format settings travel with the model: `t1_format.json` next to config.json (or next to a
 * .gguf file), written by `t1 add-emb-token` and by training checkpoints, read by every encoder and
 * by `t1 index`, `t1 search`, `t1 bright eval` and `t1 serve` as their defaults (flags override).
 * The one set of defaults for training and inference lives here.
 *
 * File (snake_case, every field optional except `format`):
 *   { "format": "t1", "version": 1, "instruction": "...", "document_instruction": "task" | "none" | { "custom": "..." },
 *     "enable_thinking": false, "max_document_tokens": 512, "max_reasoning_tokens": 256,
 *     "stop_tokens": ["<|im_end|>"], "learned_to_stop": true }
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { InputError } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/atomic.js";

export const T1_FORMAT_FILE = "t1_format.json";

/** What goes before each document: the task instruction (T1's "instruction + text"), nothing (BRIGHT's e5/qwen runs), or custom text. */
export type DocumentInstruction = "task" | "none" | { custom: string };

export interface T1FormatSettings {
  /** Task instruction before the query in the user turn (and before documents with documentInstruction "task"). Default "". */
  instruction: string;
  /** Default "task" (T1: instruction + text + `<emb_token>`); "none" matches BRIGHT's e5/qwen document side. */
  documentInstruction: DocumentInstruction;
  /** Qwen3's template switch. Default: unset (the template's own default, thinking allowed). */
  enableThinking?: boolean;
  /** Tokens of a document (instruction included) before `<emb_token>`. Default 512: more keeps more text, attention cost grows with T². */
  maxDocumentTokens: number;
  /** The reasoning budget in tokens. Default 256: longer helps hard queries, latency grows linearly. */
  maxReasoningTokens: number;
  /** Extra strings that end the reasoning. Default: unset (the model's own end-of-turn tokens only). */
  stopTokens?: string[];
  /** Whether training taught the model to end its reasoning by itself (else it runs to the budget). Default: unset (unknown). */
  learnedToStop?: boolean;
}

/** The one set of defaults, shared by training (stages 1–3) and retrieval. */
export const DEFAULT_T1_FORMAT: Readonly<T1FormatSettings> = Object.freeze({
  instruction: "",
  documentInstruction: "task",
  maxDocumentTokens: 512,
  maxReasoningTokens: 256,
});

/** The file that holds the settings of a model directory or of a .gguf file (the file beside it). */
export function t1FormatPath(model: string): string {
  const dir = existsSync(model) && statSync(model).isFile() ? dirname(model) : model;
  return join(dir, T1_FORMAT_FILE);
}

/** Writes `settings` (defaults filled in, so the file states every choice) atomically to `dir/t1_format.json`. */
export function writeT1FormatSettings(dir: string, settings: Partial<T1FormatSettings>): T1FormatSettings {
  const file = join(dir, T1_FORMAT_FILE);
  const full = checkSettings({ ...DEFAULT_T1_FORMAT, ...dropUndefined(settings) }, file, true);
  writeFileAtomic(file, JSON.stringify(t1FormatJson(full), null, 2) + "\n");
  return full;
}

/** The file's JSON form of settings (also what a t1 server announces in /v1/models). */
export function t1FormatJson(s: T1FormatSettings): Record<string, unknown> {
  return {
    format: "t1",
    version: 1,
    instruction: s.instruction,
    document_instruction: s.documentInstruction,
    ...(s.enableThinking !== undefined ? { enable_thinking: s.enableThinking } : {}),
    max_document_tokens: s.maxDocumentTokens,
    max_reasoning_tokens: s.maxReasoningTokens,
    ...(s.stopTokens !== undefined ? { stop_tokens: s.stopTokens } : {}),
    ...(s.learnedToStop !== undefined ? { learned_to_stop: s.learnedToStop } : {}),
  };
}

/**
 * The settings saved with a model (directory or .gguf), defaults filled in; undefined when it has no
 * t1_format.json. A malformed file is an error naming the file and the field.
 */
export function readT1FormatSettings(model: string): T1FormatSettings | undefined {
  const file = t1FormatPath(model);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InputError(`not valid JSON: ${(e as Error).message}`, { file });
  }
  return parseT1FormatSettings(raw, file);
}

/** Settings from their JSON form (`where` names the file or URL in errors), defaults filled in. */
export function parseT1FormatSettings(raw: unknown, where: string): T1FormatSettings {
  const file = where;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new InputError(`expected a JSON object of T1 format settings`, { file });
  const o = raw as Record<string, unknown>;
  if (o.format !== "t1") throw new InputError(`expected "format": "t1"`, { file, field: "format" });
  const known = new Set(["format", "version", "instruction", "document_instruction", "enable_thinking", "max_document_tokens", "max_reasoning_tokens", "stop_tokens", "learned_to_stop"]);
  for (const k of Object.keys(o)) if (!known.has(k)) throw new InputError(`unknown setting (expected one of ${[...known].join(", ")})`, { file, field: k });
  if (o.version !== 1) throw new InputError(`unsupported version ${JSON.stringify(o.version)} (expected 1)`, { file, field: "version" });
  return checkSettings(
    {
      ...DEFAULT_T1_FORMAT,
      ...dropUndefined({
        instruction: o.instruction,
        documentInstruction: o.document_instruction,
        enableThinking: o.enable_thinking,
        maxDocumentTokens: o.max_document_tokens,
        maxReasoningTokens: o.max_reasoning_tokens,
        stopTokens: o.stop_tokens,
        learnedToStop: o.learned_to_stop,
      } as Partial<T1FormatSettings>),
    },
    file,
    true,
  );
}

/** Saved settings (or the defaults) with the caller's explicit choices on top; undefined fields do not override. */
export function resolveT1Format(saved: T1FormatSettings | undefined, overrides: Partial<T1FormatSettings> = {}): T1FormatSettings {
  return checkSettings({ ...(saved ?? DEFAULT_T1_FORMAT), ...dropUndefined(overrides) }, "T1 format options");
}

/** The text put before documents: the task instruction, nothing, or the custom text. */
export function documentInstructionText(s: Pick<T1FormatSettings, "instruction" | "documentInstruction">): string {
  const d = s.documentInstruction;
  return d === "task" ? s.instruction : d === "none" ? "" : d.custom;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const FIELD_NAMES: Record<keyof T1FormatSettings, string> = {
  instruction: "instruction",
  documentInstruction: "document_instruction",
  enableThinking: "enable_thinking",
  maxDocumentTokens: "max_document_tokens",
  maxReasoningTokens: "max_reasoning_tokens",
  stopTokens: "stop_tokens",
  learnedToStop: "learned_to_stop",
};

/** Validates every field; errors name `where` and the field (file names in snake_case when `fileNames`). */
function checkSettings(s: T1FormatSettings, where: string, fileNames = false): T1FormatSettings {
  const bad = (key: keyof T1FormatSettings, expected: string, got: unknown): never => {
    throw new InputError(`expected ${expected}, got ${JSON.stringify(got)}`, { file: where, field: fileNames ? FIELD_NAMES[key] : key });
  };
  if (typeof s.instruction !== "string") bad("instruction", "a string", s.instruction);
  const d = s.documentInstruction as unknown;
  const customOk = typeof d === "object" && d !== null && !Array.isArray(d) && typeof (d as { custom?: unknown }).custom === "string" && Object.keys(d).length === 1;
  if (d !== "task" && d !== "none" && !customOk) bad("documentInstruction", `"task", "none" or { "custom": "text" }`, d);
  if (s.enableThinking !== undefined && typeof s.enableThinking !== "boolean") bad("enableThinking", "true or false", s.enableThinking);
  for (const k of ["maxDocumentTokens", "maxReasoningTokens"] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) bad(k, "a positive integer", s[k]);
  }
  if (s.stopTokens !== undefined && (!Array.isArray(s.stopTokens) || s.stopTokens.some((t) => typeof t !== "string" || t === ""))) {
    bad("stopTokens", "an array of non-empty strings", s.stopTokens);
  }
  if (s.learnedToStop !== undefined && typeof s.learnedToStop !== "boolean") bad("learnedToStop", "true or false", s.learnedToStop);
  return s;
}
