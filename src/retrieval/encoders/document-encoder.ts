/**
 * The document side of T1: `instruction + text + <emb_token>` in one prefill per document, batched
 * by length, written into a dense index, resumable.
 *
 * Resumption: the batch plan is a pure function of the corpus and the options (documents sorted by
 * token length, then by position), and the index is flushed only between batches, so after a crash
 * every batch is either wholly in the index or wholly absent. A rerun skips finished batches and
 * recomputes the rest with the same composition, so vectors come out as in an uninterrupted run.
 * With several batches in flight (a remote backend), results are added to the index in plan order
 * only: a batch that finishes early waits for those before it, so a checkpoint always holds a
 * contiguous run of finished batches and resumption stays exact.
 */
import type { T1Backend } from "../../backends/types.js";
import type { Document } from "../../data/types.js";
import { InputError, T1Error } from "../../util/errors.js";
import { documentInstructionText, documentPrefix } from "../../data/t1-format/index.js";
import type { DenseIndex } from "../index/dense-index.js";

export interface DocumentEncodeOptions {
  /** Instruction before each document. Default: the model's saved document instruction (none without t1_format.json). */
  instruction?: string;
  /** Tokens kept per document (instruction included, `<emb_token>` added after). Default: the model's saved maximum (512 without t1_format.json): longer keeps more text, costs quadratic attention time. */
  maxLength?: number;
  /** Documents per prefill. Default 16: larger batches use the matmul kernels better and need more memory. */
  batchSize?: number;
  /** Documents between index flushes (checkpoints). Default 1024: smaller loses less work on a crash, writes more small segments. */
  checkpointEvery?: number;
  /**
   * Batches in flight at once. Default: the backend's `maxConcurrentRequests` (remote: its HTTP
   * limit, 4 unless set), else 1. Never more than the backend allows: in-process backends run one
   * batch at a time. More overlaps network latency and keeps a server's batcher busy, at the cost
   * of holding that many batches of vectors in memory.
   */
  concurrency?: number;
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
  const instruction = opts.instruction ?? documentInstructionText(backend.format);
  const maxLength = opts.maxLength ?? backend.format.maxDocumentTokens;
  const batchSize = opts.batchSize ?? 16;
  const checkpointEvery = opts.checkpointEvery ?? 1024;
  const allowed = backend.maxConcurrentRequests ?? 1;
  const concurrency = Math.min(opts.concurrency ?? allowed, allowed);
  for (const [k, v] of Object.entries({ maxLength, batchSize, checkpointEvery, concurrency })) {
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
  // A window of launched batches in plan order; only its head is ever added to the index.
  const inFlight: { batch: number[]; planned: number; vectors?: Promise<Float32Array[]> }[] = [];
  let next = 0;
  const launch = () => {
    const planned = order.slice(next, next + batchSize);
    next += batchSize;
    const batch = planned.filter((i) => !index.has(docs[i].id));
    const vectors = batch.length ? backend.embedDocuments(batch.map((i) => docs[i].text), { instruction: prefix, maxLength }) : undefined;
    // Rejections are observed when the batch reaches the head; this only keeps a later batch's
    // failure from being reported as unhandled while an earlier one is awaited.
    vectors?.catch(() => undefined);
    inFlight.push({ batch, planned: planned.length, vectors });
  };
  for (;;) {
    while (!opts.signal?.aborted && next < order.length && inFlight.length < concurrency) launch();
    const head = inFlight.shift();
    if (!head) break;
    const { batch } = head;
    skipped += head.planned - batch.length;
    if (head.vectors) {
      let vecs: Float32Array[];
      try {
        vecs = await head.vectors;
      } catch (e) {
        // Later batches are dropped unadded; wait for them so nothing runs on after the error.
        await Promise.allSettled(inFlight.map((b) => b.vectors));
        throw e;
      }
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
