/**
 * `t1 embed`'s job: a whole file of texts embedded through any T1Backend as T1 documents
 * (`instruction + text`, cut to `maxLength` tokens, then `<emb_token>`: exactly what `t1 index`
 * puts in an index) and written as .npy float32 (N, D) or .jsonl. Resumable: vectors are saved in
 * chunks under `OUT.parts/` (each written atomically), so a killed run recomputes at most one chunk.
 * The parts are reused only when `jobKey` (input identity, backend, model) and the encoding settings
 * match the ones they were made with.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import { Progress } from "../util/progress.js";
import { EMB_TOKEN, type T1Backend } from "../backends/types.js";
import { documentInstructionText, documentPrefix } from "../data/t1-format/index.js";
import { writeNpyF32 } from "../engine/npy.js";
import { l2normalize } from "./encoders/normalize.js";

export interface EmbedJobRow {
  id?: string;
  text: string;
}

export interface EmbedJobOptions {
  /** Identity of the job (input file size/mtime, backend, model): parts made under another key
   * are discarded. Required, so a stale partial run is never mixed into new output. */
  jobKey: string;
  /** Instruction before each text. Default: the model's saved document instruction (none without t1_format.json), as `t1 index`. */
  instruction?: string;
  /** Tokens of `instruction + text` kept before `<emb_token>`. Default: the model's saved max_document_tokens (512 without t1_format.json): longer keeps more text, costs quadratic attention time. */
  maxLength?: number;
  /** Texts per backend call and per saved chunk. Default 256: smaller loses less work on a kill, costs more files. */
  chunk?: number;
  /** L2-normalise vectors. Default false (the raw final-norm hidden state). */
  normalize?: boolean;
  /** Progress line on stderr. Default false. */
  progress?: boolean;
  /** Called after each chunk; `computed` is false when it came from a saved part. */
  onChunk?: (index: number, computed: boolean) => void;
}

export interface EmbedJobResult {
  /** Vectors written (one per row). */
  count: number;
  /** Width of each vector. */
  dims: number;
  /** The settings used (defaults resolved from the backend's format). */
  instruction: string;
  maxLength: number;
}

/** Embeds `rows` through `backend.embedDocuments` into `out` (.npy float32 (N, D), or .jsonl of {"id"?, "embedding"}). */
export async function embedToFile(backend: T1Backend, rows: readonly EmbedJobRow[], out: string, opts: EmbedJobOptions): Promise<EmbedJobResult> {
  const isNpy = out.endsWith(".npy");
  if (!isNpy && !out.endsWith(".jsonl")) throw new InputError(`output must end in .npy or .jsonl, got "${out}"`);
  const chunk = opts.chunk ?? 256;
  const instruction = opts.instruction ?? documentInstructionText(backend.format);
  const maxLength = opts.maxLength ?? backend.format.maxDocumentTokens;
  for (const [k, v] of Object.entries({ chunk, maxLength })) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`embedToFile: ${k} must be a positive integer, got ${v}`);
  }
  const D = backend.dims;
  // A text that already ends in <emb_token> is read there: the document builder appends the token.
  const texts = rows.map((r) => (r.text.endsWith(EMB_TOKEN) ? r.text.slice(0, -EMB_TOKEN.length) : r.text));
  const docOpts = { instruction: documentPrefix(instruction), maxLength };
  const partsDir = out + ".parts";
  const key = JSON.stringify({ key: opts.jobKey, n: rows.length, chunk, normalize: opts.normalize ?? false, instruction, maxLength, D });
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
      const vecs = await backend.embedDocuments(texts.slice(lo, hi), docOpts);
      flat = new Float32Array((hi - lo) * D);
      vecs.forEach((v, i) => flat.set(opts.normalize ? l2normalize(v, `text ${lo + i + 1}`) : v, i * D));
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
  return { count: rows.length, dims: D, instruction, maxLength };
}
