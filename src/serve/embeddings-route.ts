/**
 * POST /v1/embeddings: strings (special tokens parsed; read at the last `<emb_token>`, appended when
 * missing), token id arrays, or raw documents with the T1 extension `t1_document: { instruction,
 * max_length }` (embedded as the local backends do: instruction + text cut to max_length tokens +
 * `<emb_token>`), or `t1_parts: true` with arrays of strings tokenised apart (prompt, then
 * reasoning: T1Backend.embedParts, as training builds a query). Float or base64 vectors.
 *
 * Lengths are checked before the request queues (limits.ts); the work runs in chunks so a client
 * that goes away, or the timeout, stops it between chunks.
 */
import type { T1Backend } from "../backends/types.js";
import { HttpError } from "./http.js";
import type { TokenLimits } from "./limits.js";

/** Inputs embedded per backend call: the abort check runs between calls. */
const CHUNK = 16;

type Work = (signal: AbortSignal) => Promise<Float32Array[]>;

export interface EmbeddingsPlan {
  work: Work;
  tokens: number;
  format: "float" | "base64";
}

/** Validates the request and counts its tokens; nothing touches the model yet. */
export async function planEmbeddings(backend: T1Backend, limits: TokenLimits, body: Record<string, unknown>): Promise<EmbeddingsPlan> {
  const input = body.input;
  const format = body.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") throw new HttpError(400, `encoding_format must be "float" or "base64"`);
  const doc = body.t1_document as { instruction?: unknown; max_length?: unknown } | undefined;
  if (body.t1_parts === true) {
    if (!Array.isArray(input) || input.length === 0 || !input.every((r) => Array.isArray(r) && r.every((x) => typeof x === "string"))) {
      throw new HttpError(400, `with t1_parts, "input" must be a non-empty array of arrays of strings`);
    }
    const rows = input as string[][];
    const joined = rows.map((r) => r.join(""));
    limits.checkChars("input", joined);
    const counts = await backend.countTokens(joined);
    limits.checkInputs("input", counts, 1);
    return { format, tokens: counts.reduce((a, b) => a + b, 0), work: chunked(rows, (c) => backend.embedParts(c)) };
  }
  if (typeof input === "string" || (Array.isArray(input) && input.length > 0 && input.every((x) => typeof x === "string"))) {
    const texts = typeof input === "string" ? [input] : (input as string[]);
    if (doc !== undefined) {
      if (typeof doc.instruction !== "string" || !Number.isInteger(doc.max_length) || (doc.max_length as number) < 1) {
        throw new HttpError(400, `t1_document needs { instruction: string, max_length: positive integer }`);
      }
      const maxLength = doc.max_length as number;
      limits.checkInputs("t1_document.max_length", [maxLength], 1);
      // Documents are cut to max_length by request, but a text no context can hold is still refused untokenised.
      limits.checkChars("input", texts);
      const counts = await backend.countTokens(texts.map((t) => doc.instruction + t));
      const opts = { instruction: doc.instruction, maxLength };
      return { format, tokens: counts.reduce((a, n) => a + Math.min(n, maxLength) + 1, 0), work: chunked(texts, (c) => backend.embedDocuments(c, opts)) };
    }
    limits.checkChars("input", texts);
    const counts = await backend.countTokens(texts);
    limits.checkInputs("input", counts, 1);
    return { format, tokens: counts.reduce((a, b) => a + b, 0), work: chunked(texts, (c) => backend.embedTexts(c)) };
  }
  let rows: number[][];
  if (Array.isArray(input) && input.length > 0 && input.every((x) => Number.isInteger(x))) rows = [input as number[]];
  else if (Array.isArray(input) && input.length > 0 && input.every((r) => Array.isArray(r) && r.length > 0 && r.every((x) => Number.isInteger(x)))) rows = input as number[][];
  else throw new HttpError(400, `"input" must be a string, an array of strings, an array of token ids or an array of such arrays (non-empty)`);
  limits.checkInputs("input", rows.map((r) => r.length), 1);
  return { format, tokens: rows.reduce((a, r) => a + r.length, 0), work: chunked(rows, (c) => backend.embedTokenIds(c)) };
}

function chunked<T>(items: readonly T[], embed: (chunk: readonly T[]) => Promise<Float32Array[]>): Work {
  return async (signal) => {
    const out: Float32Array[] = [];
    for (let i = 0; i < items.length; i += CHUNK) {
      signal.throwIfAborted();
      out.push(...(await embed(items.slice(i, i + CHUNK))));
    }
    return out;
  };
}

export function embeddingsResponse(model: string, plan: EmbeddingsPlan, vectors: readonly Float32Array[]): unknown {
  return {
    object: "list",
    model,
    data: vectors.map((v, index) => ({
      object: "embedding",
      index,
      embedding: plan.format === "base64" ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") : Array.from(v),
    })),
    usage: { prompt_tokens: plan.tokens, total_tokens: plan.tokens },
  };
}
