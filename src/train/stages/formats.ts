import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TextTokenizer } from "../../engine/tokenizer/tokenizer.js";
import {
  DEFAULT_T1_FORMAT,
  documentInstructionText,
  documentPrefix,
  queryMessages,
  type DocumentInstruction,
  type T1FormatSettings,
  type T1Inputs,
} from "../../data/t1-format/index.js";
import { T1Error } from "../../util/errors.js";

/**
 * The exact T1 input formats as token ids, shared by the three stages; built by the one T1 input
 * builder (src/data/t1-format: BOS when the model wants one, never an automatic EOS), so training
 * and every retrieval backend feed the same ids:
 *   query (no reasoning)   = ids(chat(user: instruction \n query)) ++ [<emb_token>]
 *   query + reasoning      = ids(chat(user: …)) ++ ids(reasoning) ++ [<emb_token>]    (the assistant turn; tokenised
 *                            in two parts, as the query encoder's "external" mode, so the reasoning tokens are known exactly)
 *   document               = ids(document instruction \n text)[:maxDocLength] ++ [<emb_token>] (as the document encoder)
 */
export interface T1Formats {
  tokenizer: TextTokenizer;
  /** The one T1 input builder over `tokenizer`. */
  inputs: T1Inputs;
  embId: number;
  /** Written into padding (never attended to, never predicted). */
  padId: number;
  /** Default instruction for rows without their own. */
  instruction: string;
  /** What goes before documents: the row's (or default) instruction, nothing, or custom text. */
  documentInstruction: DocumentInstruction;
  /** Qwen3's enable_thinking template switch; undefined = the template's default. */
  enableThinking?: boolean;
  /** Document tokens kept before `<emb_token>`. */
  maxDocLength: number;
  /** Teacher reasoning tokens kept (stage 2). */
  maxReasoningLength: number;
  /** The BOS id put in front of every input, when the model wants one. */
  bosId?: number;
}

export interface FormatOptions {
  /** Default: the saved settings' instruction, else "" (no instruction). */
  instruction?: string;
  /** Default: the saved settings', else "task". */
  documentInstruction?: DocumentInstruction;
  enableThinking?: boolean;
  /** Default: the saved settings', else DEFAULT_T1_FORMAT.maxDocumentTokens (512, as retrieval): attention memory grows with T². */
  maxDocLength?: number;
  /** Default: the saved settings', else DEFAULT_T1_FORMAT.maxReasoningTokens (256). */
  maxReasoningLength?: number;
  /** The model's saved t1_format.json (readT1FormatSettings), under the options above. Default: none. */
  settings?: T1FormatSettings;
}

export function loadTokenizer(modelDir: string): TextTokenizer {
  const tokFile = join(modelDir, "tokenizer.json");
  if (!existsSync(tokFile)) throw new T1Error("NOT_FOUND", `${modelDir} has no tokenizer.json`);
  const cfgFile = join(modelDir, "tokenizer_config.json");
  return new TextTokenizer(JSON.parse(readFileSync(tokFile, "utf8")), existsSync(cfgFile) ? JSON.parse(readFileSync(cfgFile, "utf8")) : {}, tokFile);
}

export function t1Formats(tokenizer: TextTokenizer, o: FormatOptions = {}): T1Formats {
  const inputs = tokenizer.t1Inputs();
  const s = o.settings ?? DEFAULT_T1_FORMAT;
  const pad = tokenizer.tokenId("<|endoftext|>") ?? 0;
  return {
    tokenizer, inputs, embId: inputs.embId, padId: pad,
    instruction: o.instruction ?? s.instruction,
    documentInstruction: o.documentInstruction ?? s.documentInstruction,
    enableThinking: o.enableThinking ?? s.enableThinking,
    maxDocLength: o.maxDocLength ?? s.maxDocumentTokens,
    maxReasoningLength: o.maxReasoningLength ?? s.maxReasoningTokens,
    bosId: tokenizer.promptBosId,
  };
}

/** The settings a checkpoint trained with these formats records in t1_format.json (writeT1FormatSettings). */
export function formatSettingsOf(f: T1Formats, extra: Partial<T1FormatSettings> = {}): Partial<T1FormatSettings> {
  return {
    instruction: f.instruction,
    documentInstruction: f.documentInstruction,
    enableThinking: f.enableThinking,
    maxDocumentTokens: f.maxDocLength,
    ...extra,
  };
}

/** The chat prompt text of a query (user turn + assistant header), as every backend renders it. */
export function queryPromptText(f: T1Formats, query: string, instruction?: string): string {
  return f.tokenizer.applyChatTemplate(queryMessages(instruction ?? f.instruction, query), { enableThinking: f.enableThinking });
}

/** Ids of a text with special tokens parsed, BOS when the model wants one, no EOS. */
export function textIds(f: T1Formats, text: string): number[] {
  return f.inputs.text(text);
}

export function queryPromptIds(f: T1Formats, query: string, instruction?: string): number[] {
  return textIds(f, queryPromptText(f, query, instruction));
}

/** Stage 1 query: prompt + `<emb_token>`, no reasoning. */
export function plainQueryIds(f: T1Formats, query: string, instruction?: string): number[] {
  return f.inputs.query(queryPromptText(f, query, instruction));
}

/** Stage 2 query: prompt ++ reasoning ++ `<emb_token>`; reasoning tokens are ids[start, end). */
export function reasoningQueryIds(f: T1Formats, query: string, reasoning: string, instruction?: string): { ids: number[]; start: number; end: number } {
  const prompt = queryPromptIds(f, query, instruction);
  const r = f.inputs.piece(reasoning).slice(0, f.maxReasoningLength);
  return { ids: [...prompt, ...r, f.embId], start: prompt.length, end: prompt.length + r.length };
}

/** Document: document instruction + text, cut to maxDocLength tokens, + `<emb_token>`. */
export function documentIds(f: T1Formats, text: string, instruction?: string): number[] {
  const prefix = documentPrefix(documentInstructionText({ instruction: instruction ?? f.instruction, documentInstruction: f.documentInstruction }));
  return f.inputs.document(prefix, text, f.maxDocLength);
}

/** Right-pads sequences into one (B, T) batch; returns the `<emb_token>` position of each row (its last id). */
export function padBatch(seqs: readonly (readonly number[])[], padId: number): { B: number; T: number; ids: Int32Array; mask: Uint8Array; embPositions: Int32Array } {
  const B = seqs.length, T = Math.max(...seqs.map((s) => s.length));
  const ids = new Int32Array(B * T).fill(padId), mask = new Uint8Array(B * T), embPositions = new Int32Array(B);
  seqs.forEach((s, b) => {
    ids.set(s, b * T);
    mask.fill(1, b * T, b * T + s.length);
    embPositions[b] = s.length - 1;
  });
  return { B, T, ids, mask, embPositions };
}
