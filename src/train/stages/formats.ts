import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TextTokenizer } from "../../engine/tokenizer/tokenizer.js";
import { EMB_TOKEN } from "../../engine/model.js";
import { documentPrefix, queryUserMessage } from "../../retrieval/encoders/instructions.js";
import { T1Error } from "../../util/errors.js";

/**
 * The exact T1 input formats as token ids, shared by the three stages:
 *   query (no reasoning)   = chat(user: instruction \n query) + <emb_token>          (tokenised as one text, as the
 *                            query encoder's "none" mode does)
 *   query + reasoning      = ids(chat(user: …)) ++ ids(reasoning) ++ [<emb_token>]    (the assistant turn; tokenised
 *                            in two parts so the reasoning tokens are known exactly)
 *   document               = ids(instruction \n text)[:maxDocLength] ++ [<emb_token>] (as the document encoder)
 */
export interface T1Formats {
  tokenizer: TextTokenizer;
  embId: number;
  /** Written into padding (never attended to, never predicted). */
  padId: number;
  /** Default instruction for rows without their own. */
  instruction: string;
  /** Qwen3's enable_thinking template switch; undefined = the template's default. */
  enableThinking?: boolean;
  /** Document tokens kept before `<emb_token>`. */
  maxDocLength: number;
  /** Teacher reasoning tokens kept (stage 2). */
  maxReasoningLength: number;
  /** The tokenizer's BOS id, when it has one (a template that writes BOS plus the tokenizer's own gives two). */
  bosId?: number;
}

export interface FormatOptions {
  /** Default "" (no instruction). */
  instruction?: string;
  enableThinking?: boolean;
  /** Default 256, as the document encoder: attention memory grows with T². */
  maxDocLength?: number;
  /** Default 256. */
  maxReasoningLength?: number;
}

export function loadTokenizer(modelDir: string): TextTokenizer {
  const tokFile = join(modelDir, "tokenizer.json");
  if (!existsSync(tokFile)) throw new T1Error("NOT_FOUND", `${modelDir} has no tokenizer.json`);
  const cfgFile = join(modelDir, "tokenizer_config.json");
  return new TextTokenizer(JSON.parse(readFileSync(tokFile, "utf8")), existsSync(cfgFile) ? JSON.parse(readFileSync(cfgFile, "utf8")) : {}, tokFile);
}

export function t1Formats(tokenizer: TextTokenizer, o: FormatOptions = {}): T1Formats {
  const embId = tokenizer.tokenId(EMB_TOKEN);
  if (embId === undefined) throw new T1Error("BAD_INPUT", `the tokenizer has no ${EMB_TOKEN}; add it with \`t1 add-emb-token\``);
  const pad = tokenizer.tokenId("<|endoftext|>") ?? 0;
  return {
    tokenizer, embId, padId: pad, instruction: o.instruction ?? "", enableThinking: o.enableThinking,
    maxDocLength: o.maxDocLength ?? 256, maxReasoningLength: o.maxReasoningLength ?? 256,
    bosId: tokenizer.bosToken !== undefined ? tokenizer.tokenId(tokenizer.bosToken) : undefined,
  };
}

/** The chat prompt text of a query (user turn + assistant header), as the native backend renders it. */
export function queryPromptText(f: T1Formats, query: string, instruction?: string): string {
  const extra = f.enableThinking !== undefined ? { enable_thinking: f.enableThinking } : undefined;
  return f.tokenizer.applyChatTemplate([{ role: "user", content: queryUserMessage(instruction ?? f.instruction, query) }], { extra });
}

/** Ids of a text with special tokens parsed and the tokenizer's BOS once, as the native backend encodes. */
export function textIds(f: T1Formats, text: string): number[] {
  const ids = f.tokenizer.encode(text);
  if (f.bosId !== undefined && ids.length > 1 && ids[0] === f.bosId && ids[1] === f.bosId) ids.shift();
  return ids;
}

export function queryPromptIds(f: T1Formats, query: string, instruction?: string): number[] {
  return textIds(f, queryPromptText(f, query, instruction));
}

/** Stage 1 query: prompt + `<emb_token>`, no reasoning. */
export function plainQueryIds(f: T1Formats, query: string, instruction?: string): number[] {
  const ids = textIds(f, queryPromptText(f, query, instruction) + EMB_TOKEN);
  if (ids[ids.length - 1] !== f.embId) ids.push(f.embId);
  return ids;
}

/** Stage 2 query: prompt ++ reasoning ++ `<emb_token>`; reasoning tokens are ids[start, end). */
export function reasoningQueryIds(f: T1Formats, query: string, reasoning: string, instruction?: string): { ids: number[]; start: number; end: number } {
  const prompt = queryPromptIds(f, query, instruction);
  const r = f.tokenizer.encode(reasoning, { addSpecialTokens: false }).slice(0, f.maxReasoningLength);
  return { ids: [...prompt, ...r, f.embId], start: prompt.length, end: prompt.length + r.length };
}

/** Document: instruction + text, cut to maxDocLength tokens, + `<emb_token>`. */
export function documentIds(f: T1Formats, text: string, instruction?: string): number[] {
  const ids = textIds(f, documentPrefix(instruction ?? f.instruction) + text);
  return [...ids.slice(0, f.maxDocLength), f.embId];
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
