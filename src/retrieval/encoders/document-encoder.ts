/**
 * The document side of T1: `instruction + text + <emb_token>` in one prefill per document, batched
 * by length, written into a dense index, resumable.
 *
 * Resumption: the batch plan is a pure function of the corpus and the options (documents sorted by
 * token length, then by position), and the index is flushed only between batches, so after a crash
 * every batch is either wholly in the index or wholly absent. A rerun skips finished batches and
 * recomputes the rest with the same composition, so vectors come out as in an uninterrupted run.
 */
import type { T1Backend } from "../../backends/types.js";
import type { Document } from "../../data/types.js";
import { InputError, T1Error } from "../../util/errors.js";
import type { DenseIndex } from "../index/dense-index.js";
import { documentPrefix } from "./instructions.js";

export interface DocumentEncodeOptions {
  /** Task instruction before each document. Default "" (none). */
  instruction?: string;
  /** Tokens kept per document (instruction included, `<emb_token>` added after). Default 512: longer keeps more text, costs quadratic attention time. */
  maxLength?: number;
  /** Documents per prefill. Default 16: larger batches use the matmul kernels better and need more memory. */
  batchSize?: number;
  /** Documents between index flushes (checkpoints). Default 1024: smaller loses less work on a crash, writes more small segments. */
  checkpointEvery?: number;
  /** Called after each batch. */
  onProgress?: (done: number, total: number) => void;
  /** Stops between batches (after a checkpoint) when aborted. */
  signal?: AbortSignal;
}

export interface DocumentEncodeResult {
  /** Documents embedded in this run. */
  encoded: number;
  /** Documents already in the index (a resumed run). */
  skipped: number;
  /** Padding tokens avoided by length batching, relative to batching in corpus order (0..1). */
  paddingSaved: number;
}

/** Encoder settings recorded in the index manifest; resuming with different ones is a MISMATCH. */
export interface DocumentEncoderMeta {
  instruction: string;
  maxLength: number;
  batchSize: number;
}

export async function encodeDocuments(
  backend: T1Backend,
  docs: readonly Document[],
  index: DenseIndex,
  opts: DocumentEncodeOptions = {},
): Promise<DocumentEncodeResult> {
  const instruction = opts.instruction ?? "";
  const maxLength = opts.maxLength ?? 512;
  const batchSize = opts.batchSize ?? 16;
  const checkpointEvery = opts.checkpointEvery ?? 1024;
  for (const [k, v] of Object.entries({ maxLength, batchSize, checkpointEvery })) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`encodeDocuments: ${k} must be a positive integer, got ${v}`);
  }
  if (index.dims !== backend.dims) {
    throw new T1Error("MISMATCH", `index ${index.dir} has ${index.dims} dims, model ${backend.modelId} gives ${backend.dims}`);
  }
  const meta: DocumentEncoderMeta = { instruction, maxLength, batchSize };
  const prev = index.manifest.meta?.encoder as DocumentEncoderMeta | undefined;
  if (prev && index.manifest.rows > 0 && (prev.instruction !== instruction || prev.maxLength !== maxLength || prev.batchSize !== batchSize)) {
    throw new T1Error(
      "MISMATCH",
      `index ${index.dir} was being built with ${JSON.stringify(prev)}; resuming with ${JSON.stringify(meta)} would mix vectors`,
    );
  }
  const seen = new Set<string>();
  for (const d of docs) {
    if (seen.has(d.id)) throw new InputError(`duplicate document id "${d.id}"`);
    seen.add(d.id);
  }

  const prefix = documentPrefix(instruction);
  const lengths = await countInChunks(backend, docs.map((d) => prefix + d.text));
  const order = docs.map((_, i) => i).sort((a, b) => Math.min(lengths[a], maxLength) - Math.min(lengths[b], maxLength) || a - b);

  let encoded = 0;
  let skipped = 0;
  let sinceFlush = 0;
  let paddedSorted = 0;
  let paddedPlain = 0;
  for (let s = 0; s < order.length; s += batchSize) {
    paddedSorted += padCost(order.slice(s, s + batchSize), lengths, maxLength);
    paddedPlain += padCost(docs.slice(s, s + batchSize).map((_, j) => s + j), lengths, maxLength);
  }
  const total = docs.length;
  for (let s = 0; s < order.length; s += batchSize) {
    if (opts.signal?.aborted) break;
    const batch = order.slice(s, s + batchSize).filter((i) => !index.has(docs[i].id));
    skipped += Math.min(batchSize, order.length - s) - batch.length;
    if (batch.length) {
      const vecs = await backend.embedDocuments(
        batch.map((i) => docs[i].text),
        { instruction: prefix, maxLength },
      );
      index.add(
        batch.map((i) => docs[i].id),
        vecs,
      );
      encoded += batch.length;
      sinceFlush += batch.length;
      if (sinceFlush >= checkpointEvery) {
        index.flush({ encoder: meta });
        sinceFlush = 0;
      }
    }
    opts.onProgress?.(encoded + skipped, total);
  }
  index.flush({ encoder: meta });
  return { encoded, skipped, paddingSaved: paddedPlain > 0 ? 1 - paddedSorted / paddedPlain : 0 };
}

/** Tokens of padding a batch needs: every row padded to the longest. */
function padCost(batch: number[], lengths: number[], maxLength: number): number {
  const l = batch.map((i) => Math.min(lengths[i], maxLength));
  const longest = Math.max(0, ...l);
  return l.reduce((a, x) => a + longest - x, 0);
}

async function countInChunks(backend: T1Backend, texts: string[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < texts.length; i += 1024) out.push(...(await backend.countTokens(texts.slice(i, i + 1024))));
  return out;
}
