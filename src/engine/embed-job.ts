/**
 * Embedding a whole file of texts, resumable: vectors are saved in chunks under `OUT.parts/`
 * (each written atomically), so a killed run recomputes at most one chunk. The parts are reused
 * only when `jobKey` (input identity, model, options) matches the one they were made with.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { Progress } from "../util/progress.js";
import { EMB_TOKEN, type Model } from "./model.js";
import { writeNpyF32 } from "./npy.js";

export interface EmbedJobRow {
  id?: string;
  text: string;
}

export interface EmbedJobOptions {
  /** Identity of the job (input file size/mtime, model, options): parts made under another key
   * are discarded. Required, so a stale partial run is never mixed into new output. */
  jobKey: string;
  /** Texts per saved chunk. Default 256: smaller loses less work on a kill, costs more files. */
  chunk?: number;
  /** L2-normalise vectors. Default false (the raw final-norm hidden state). */
  normalize?: boolean;
  /** Passed to Model.embed. */
  batchTokens?: number;
  /** Passed to Model.embed. */
  maxTokens?: number;
  /** Progress line on stderr. Default false. */
  progress?: boolean;
  /** Called after each chunk; `computed` is false when it came from a saved part. */
  onChunk?: (index: number, computed: boolean) => void;
}

/** Embeds `rows` (each text gets `<emb_token>` appended unless it ends with it) into `out`
 * (.npy float32 (N, D), or .jsonl of {"id"?, "embedding"}). */
export async function embedToFile(model: Model, rows: readonly EmbedJobRow[], out: string, opts: EmbedJobOptions): Promise<void> {
  const isNpy = out.endsWith(".npy");
  if (!isNpy && !out.endsWith(".jsonl")) throw new InputError(`output must end in .npy or .jsonl, got "${out}"`);
  const chunk = opts.chunk ?? 256;
  if (!Number.isInteger(chunk) || chunk <= 0) throw new InputError(`chunk must be a positive integer, got ${chunk}`);
  model.requireEmbTokenId();
  const D = model.hiddenSize;
  const texts = rows.map((r) => (r.text.endsWith(EMB_TOKEN) ? r.text : r.text + EMB_TOKEN));
  const partsDir = out + ".parts";
  const key = JSON.stringify({ key: opts.jobKey, n: rows.length, chunk, normalize: opts.normalize ?? false, maxTokens: opts.maxTokens ?? null, D });
  const keyPath = join(partsDir, "job.json");
  if (existsSync(partsDir) && (!existsSync(keyPath) || readFileSync(keyPath, "utf8") !== key)) rmSync(partsDir, { recursive: true, force: true });
  mkdirSync(partsDir, { recursive: true });
  writeFileAtomic(keyPath, key);

  const progress = new Progress("embed", rows.length, { unit: "texts", quiet: !opts.progress });
  const vectors: Float32Array[] = [];
  for (let c = 0; c * chunk < rows.length; c++) {
    const part = join(partsDir, `chunk-${String(c).padStart(6, "0")}.f32`);
    const lo = c * chunk;
    const hi = Math.min(rows.length, lo + chunk);
    let flat: Float32Array;
    const saved = existsSync(part) && statSync(part).size === (hi - lo) * D * 4;
    if (saved) {
      const b = readFileSync(part);
      flat = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    } else {
      const vecs = await model.embed(texts.slice(lo, hi), { batchTokens: opts.batchTokens, maxTokens: opts.maxTokens });
      flat = new Float32Array((hi - lo) * D);
      vecs.forEach((v, i) => {
        if (opts.normalize) {
          let s = 0;
          for (let j = 0; j < D; j++) s += v[j]! * v[j]!;
          const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
          for (let j = 0; j < D; j++) v[j]! *= inv;
        }
        flat.set(v, i * D);
      });
      writeFileAtomic(part, new Uint8Array(flat.buffer));
    }
    for (let i = 0; i < hi - lo; i++) vectors.push(flat.subarray(i * D, (i + 1) * D));
    progress.tick(hi - lo);
    opts.onChunk?.(c, !saved);
  }
  progress.finish();
  if (isNpy) writeNpyF32(out, vectors, D);
  else {
    const lines = vectors.map((v, i) => JSON.stringify({ ...(rows[i]!.id !== undefined ? { id: rows[i]!.id } : {}), embedding: Array.from(v) }) + "\n");
    writeFileAtomic(out, lines.map((l) => Buffer.from(l)));
  }
  rmSync(partsDir, { recursive: true, force: true });
}
