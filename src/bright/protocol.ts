/**
 * The protocol choices of a BRIGHT run that change its numbers and that published runs make
 * differently: document length, the document-side instruction, the query prompt and the
 * comparability mode. Each is resolved to one explicit value with the place it came from (flag,
 * preset, the model's t1_format.json, built-in default), and results.json records both.
 */
import { existsSync, readFileSync } from "node:fs";
import { InputError } from "../util/errors.js";
import { readT1FormatSettings, t1FormatPath, type DocumentInstruction } from "../data/t1-format/index.js";
import { readTextFile } from "../data/text-file.js";
import { brightInstruction, type BrightDomain } from "../data/bright-domains.js";

/** Where a resolved setting came from, as results.json records it. */
export type SettingSource = "flag" | `preset ${string}` | "t1_format.json" | "default";

export interface Resolved<T> {
  value: T;
  source: SettingSource;
}

/**
 * Named document lengths (tokens, instruction included, before `<emb_token>`), from the published
 * evaluations: BRIGHT's official run.py cuts documents at 4096 tokens for e5/SFR and 8192 for Qwen
 * (its `--doc_max_length` per model), ReasonIR evaluates at 32768, and t1's own default is 512.
 */
export const DOC_LENGTH_PRESETS: Readonly<Record<string, number>> = Object.freeze({
  "t1": 512,
  "bright-e5": 4096,
  "bright-sf": 4096,
  "bright-qwen": 8192,
  "pyserini-reasonembed": 8192,
  "reasonir": 32768,
});

/** The built-in document length when neither a flag, a preset nor the model's t1_format.json says one. */
export const DEFAULT_DOC_LENGTH = 512;

/**
 * The fields of the model's saved T1 format (t1_format.json, read and checked by the format module)
 * that shape a BRIGHT run, each undefined where the file does not set it, so results.json can say
 * whether a value came from the file or from the built-in default.
 */
export interface SavedBrightFormat {
  file: string;
  maxDocumentTokens?: number;
  maxReasoningTokens?: number;
  documentInstruction?: DocumentInstruction;
  stopTokens?: string[];
  enableThinking?: boolean;
}

/** What goes before each document: nothing, the domain's task instruction, or custom text. */
export type DocInstruction = DocumentInstruction;

/** The saved format of a local model (directory or .gguf); undefined for a server model name or a model without the file. */
export function readSavedBrightFormat(model: string | undefined): SavedBrightFormat | undefined {
  if (!model || !existsSync(model)) return undefined;
  const settings = readT1FormatSettings(model);
  if (!settings) return undefined;
  const file = t1FormatPath(model);
  // The format module fills defaults in; the file's own keys say which values it sets.
  const keys = new Set(Object.keys(JSON.parse(readFileSync(file, "utf8")) as object));
  const set = <T>(key: string, v: T): T | undefined => (keys.has(key) ? v : undefined);
  return {
    file,
    maxDocumentTokens: set("max_document_tokens", settings.maxDocumentTokens),
    maxReasoningTokens: set("max_reasoning_tokens", settings.maxReasoningTokens),
    documentInstruction: set("document_instruction", settings.documentInstruction),
    stopTokens: settings.stopTokens,
    enableThinking: settings.enableThinking,
  };
}

/** Document length: --max-doc-length, else --doc-length-preset, else t1_format.json, else 512. */
export function resolveDocLength(o: { maxDocLength?: number; preset?: string; saved?: SavedBrightFormat }): Resolved<number> {
  if (o.maxDocLength !== undefined && o.preset !== undefined) throw new InputError(`bright eval: give --max-doc-length or --doc-length-preset, not both`);
  if (o.maxDocLength !== undefined) {
    if (!Number.isInteger(o.maxDocLength) || o.maxDocLength < 1) throw new InputError(`bright eval: --max-doc-length must be a positive integer, got ${o.maxDocLength}`);
    return { value: o.maxDocLength, source: "flag" };
  }
  if (o.preset !== undefined) {
    const v = DOC_LENGTH_PRESETS[o.preset];
    if (v === undefined) throw new InputError(`bright eval: unknown --doc-length-preset "${o.preset}"; expected one of ${Object.entries(DOC_LENGTH_PRESETS).map(([k, n]) => `${k} (${n})`).join(", ")}`);
    return { value: v, source: `preset ${o.preset}` };
  }
  if (o.saved?.maxDocumentTokens !== undefined) return { value: o.saved.maxDocumentTokens, source: "t1_format.json" };
  return { value: DEFAULT_DOC_LENGTH, source: "default" };
}

/** `--doc-instruction none|task|TEXT`, else t1_format.json, else "task" (T1's instruction + text). */
export function resolveDocInstruction(flag: string | undefined, saved?: SavedBrightFormat): Resolved<DocInstruction> {
  if (flag !== undefined) return { value: flag === "none" || flag === "task" ? flag : { custom: flag }, source: "flag" };
  if (saved?.documentInstruction !== undefined) return { value: saved.documentInstruction, source: "t1_format.json" };
  return { value: "task", source: "default" };
}

/**
 * Named query prompts. Each is a function of the raw Hugging Face split name ("earth_science"), as
 * BRIGHT's code fills its `{task}` templates. Sources:
 * - "bright": the task description of BRIGHT's per-task instruction configs (xlang-ai/BRIGHT,
 *   configs/<model>/<task>.json, "Given a {task} post, retrieve relevant passages that help answer
 *   the post" and the coding/math variants); t1 writes it before the query in the chat turn.
 * - "bright-instruct": the same text in the `Instruct: ...\nQuery: ` wrapper those configs use for
 *   the e5-mistral and Qwen embedders (query prefix only; documents get none there).
 * - "none": no prompt, the query alone.
 */
export const QUERY_PROMPT_PRESETS: Readonly<Record<string, { source: string; text: (domain: BrightDomain, long: boolean) => string }>> = Object.freeze({
  bright: { source: "xlang-ai/BRIGHT configs/<model>/<task>.json task description", text: (d, long) => brightInstruction(d, { longDocuments: long }) },
  "bright-instruct": { source: "xlang-ai/BRIGHT configs/{e5,qwen}/<task>.json query template", text: (d, long) => `Instruct: ${brightInstruction(d, { longDocuments: long })}\nQuery: ` },
  none: { source: "no query prompt", text: () => "" },
});

/** A query-prompt choice: a preset name or a file whose text (with `{task}` filled in) is the prompt. */
export interface QueryPromptSetting {
  preset?: string;
  file?: string;
}

/** Resolves the prompt text of one domain (raw split name in `{task}`, as BRIGHT's code does). */
export function queryPromptText(s: QueryPromptSetting, domain: BrightDomain, long: boolean): string {
  if (s.file !== undefined) return readTextFile(s.file).replace(/\r?\n$/, "").replaceAll("{task}", domain);
  const name = s.preset ?? "bright";
  const p = QUERY_PROMPT_PRESETS[name];
  if (!p) throw new InputError(`bright eval: unknown --query-prompt "${name}"; expected one of ${Object.keys(QUERY_PROMPT_PRESETS).join(", ")} (or --query-prompt-file FILE)`);
  return p.text(domain, long);
}

/** How the setting is described in results.json. */
export function describeQueryPrompt(s: QueryPromptSetting): Record<string, string> {
  if (s.file !== undefined) return { kind: "file", file: s.file, fill: "{task} = raw split name" };
  const name = s.preset ?? "bright";
  return { kind: "preset", name, source: QUERY_PROMPT_PRESETS[name]?.source ?? "unknown", fill: "{task} = raw split name" };
}

/**
 * Comparability mode. "official" (default): BRIGHT's run.py: exclusions dropped before the top-k
 * cut, pytrec_eval averaging over queries in both run and qrels. "pyserini": Anserini/Pyserini's
 * 2CR: the top k retrieved first, then `-removeQuery` (docid = qid) and the exclusion filter applied
 * to that list (so fewer than k may remain), and `trec_eval -c` (every judged query averaged, one
 * with no hits counting 0).
 */
export type CompatMode = "official" | "pyserini";

export function parseCompatMode(s: string | undefined): CompatMode {
  if (s === undefined || s === "official") return "official";
  if (s === "pyserini") return "pyserini";
  throw new InputError(`bright eval: --compat must be official or pyserini, got "${s}"`);
}

export function describeCompat(mode: CompatMode): Record<string, string> {
  return mode === "pyserini"
    ? {
        mode,
        exclusions: "after the top-k cut: retrieve k, then drop hits whose docid equals the qid (Anserini -removeQuery) and the query's excluded ids (fewer than k may remain)",
        averaging: "trec_eval -c: mean over every query with judgments; a query with no hits counts 0",
      }
    : {
        mode,
        exclusions: "before the top-k cut: drop excluded ids from the scored list, then keep k (BRIGHT run.py)",
        averaging: "pytrec_eval: mean over queries present in both run and qrels (a query with no hits is left out)",
      };
}
