/**
 * How instructions enter T1 inputs. BRIGHT's per-task presets live with the BRIGHT loaders
 * (`brightInstruction` in src/data/bright-domains.ts); T1 puts the same text before the query (in
 * the chat turn) and before each document (our choice, overridable on both sides).
 */
export { brightInstruction } from "../../data/bright-domains.js";

/** The user turn of a T1 query (our choice: instruction, newline, query; no instruction → the query alone). */
export function queryUserMessage(instruction: string, query: string): string {
  return instruction ? `${instruction}\n${query}` : query;
}

/** The document text before `<emb_token>` (our choice: instruction, newline, text). */
export function documentPrefix(instruction: string): string {
  return instruction ? `${instruction}\n` : "";
}
