/**
 * The T1 texts (T1-METHOD.md §2): the query's chat turn and the document text before `<emb_token>`.
 *   query     = chat(user: instruction \n query) [+ reasoning] + <emb_token>
 *   document  = document instruction \n text (cut) + <emb_token>
 * The instruction placement is our choice, overridable on both sides.
 */
import type { ChatMessage } from "./chat-template.js";

/** The pooling token of the T1 method. */
export const EMB_TOKEN = "<emb_token>";

/** The user turn of a T1 query (instruction, newline, query; no instruction → the query alone). */
export function queryUserMessage(instruction: string, query: string): string {
  return instruction ? `${instruction}\n${query}` : query;
}

/** The chat messages of a T1 query: one user turn. */
export function queryMessages(instruction: string, query: string): ChatMessage[] {
  return [{ role: "user", content: queryUserMessage(instruction, query) }];
}

/** The document text before `<emb_token>` (instruction, newline, text). */
export function documentPrefix(instruction: string): string {
  return instruction ? `${instruction}\n` : "";
}
