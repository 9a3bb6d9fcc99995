/**
 * Which model an index was built with, recorded so that the index and its model can move: by
 * content (a fingerprint of config, tokenizer and weights) and by path (absolute, and relative to
 * the index directory). Search finds the model at the absolute path, else at the relative one, and
 * accepts any model whose fingerprint matches, wherever it lies.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { basename, isAbsolute, join, relative, resolve } from "node:path";
import { createHash } from "node:crypto";
import { T1Error } from "../../util/errors.js";

/** Files that define a model directory's behaviour; the chat template is not one (it can be overridden). */
const MODEL_FILE = /^(config\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|.*\.safetensors|.*\.safetensors\.index\.json|.*\.gguf)$/;
/** Files up to this size are hashed whole. */
const WHOLE_LIMIT = 4 << 20;
/** Larger files (weights): their first WHOLE_LIMIT bytes (the safetensors/GGUF header and first tensors) and SAMPLES blocks spread over the rest. */
const SAMPLES = 64;
const SAMPLE_BYTES = 64 << 10;

/**
 * A content fingerprint ("sha256:<hex>") of a model directory or file, or undefined when `path` is
 * not on this machine (a remote model name). Weights larger than 4 MiB are sampled (header plus 64
 * blocks of 64 KiB spread evenly), so reopening a multi-GB model costs milliseconds; any training
 * step changes every block, so two checkpoints of one run never share a fingerprint.
 */
export function modelFingerprint(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const st = statSync(path);
  const files = st.isDirectory()
    ? readdirSync(path).filter((f) => MODEL_FILE.test(f)).sort().map((f) => join(path, f))
    : [path];
  const h = createHash("sha256");
  for (const file of files) {
    const size = statSync(file).size;
    h.update(`${st.isDirectory() ? basename(file) : "model"}\0${size}\0`);
    hashFileSampled(file, size, h);
  }
  return `sha256:${h.digest("hex")}`;
}

function hashFileSampled(file: string, size: number, h: ReturnType<typeof createHash>): void {
  const fd = openSync(file, "r");
  try {
    const read = (offset: number, length: number): void => {
      const buf = Buffer.allocUnsafe(length);
      const n = readSync(fd, buf, 0, length, offset);
      h.update(buf.subarray(0, n));
    };
    if (size <= WHOLE_LIMIT) return read(0, size);
    read(0, WHOLE_LIMIT);
    const span = size - WHOLE_LIMIT - SAMPLE_BYTES;
    for (let i = 0; i <= SAMPLES; i++) read(WHOLE_LIMIT + Math.floor((span * i) / SAMPLES), SAMPLE_BYTES);
  } finally {
    closeSync(fd);
  }
}

/** What an index records about its model (in the manifest's pipeline meta). */
export interface ModelLocation {
  /** Absolute path of the model at build time (or the remote model name). */
  modelPath?: string;
  /** The same path relative to the index directory, for an index moved together with its model. */
  modelRelative?: string;
  /** `modelFingerprint` of the model at build time. */
  modelFingerprint?: string;
}

/** The location record for a local model at `modelPath`, seen from index directory `indexDir`. */
export function recordModelLocation(indexDir: string, modelPath: string): ModelLocation {
  const fingerprint = modelFingerprint(modelPath);
  if (fingerprint === undefined) return { modelPath };
  const abs = resolve(modelPath);
  return { modelPath: abs, modelRelative: relative(resolve(indexDir), abs), modelFingerprint: fingerprint };
}

/**
 * The model path to open for index `dir`: the recorded absolute path when it exists, else the path
 * relative to the index, else (older indexes) the manifest's model id as a path. NOT_FOUND, naming
 * every place looked at, when none exists.
 */
export function locateIndexModel(dir: string, loc: ModelLocation, manifestModel: string): string {
  const candidates = [loc.modelPath, loc.modelRelative === undefined ? undefined : resolve(dir, loc.modelRelative), manifestModel].filter(
    (p): p is string => p !== undefined && p !== "",
  );
  const found = candidates.find((p) => existsSync(p));
  if (found !== undefined) return found;
  const local = candidates.filter((p) => isAbsolute(p) || p.startsWith("."));
  if (local.length === 0) return candidates[0] ?? manifestModel;
  throw new T1Error(
    "NOT_FOUND",
    `${dir}: the model it was built with is not at ${[...new Set(local)].join(" nor ")}; pass --model PATH (a copy is recognised by its content)`,
  );
}

/**
 * The identity to check against the manifest's `model` for a backend whose own id is `backendModelId`
 * (its model path): the manifest's when the model at that path has the recorded fingerprint (a moved
 * or copied model), else the backend's own. MISMATCH names both fingerprints when the content differs.
 */
export function indexModelIdentity(dir: string, loc: ModelLocation, manifestModel: string, backendModelId: string): string {
  if (backendModelId === manifestModel || loc.modelFingerprint === undefined) return backendModelId;
  const fp = modelFingerprint(backendModelId);
  if (fp === undefined) return backendModelId;
  if (fp === loc.modelFingerprint) return manifestModel;
  throw new T1Error(
    "MISMATCH",
    `${dir} was built with another model: ${backendModelId} has content ${fp.slice(0, 19)}…, the index was built from ${loc.modelPath ?? manifestModel} (${loc.modelFingerprint.slice(0, 19)}…); pass the model it was built with, --model-id ${manifestModel} to vouch for a converted copy (e.g. the GGUF of the same weights), or rebuild the index with --overwrite`,
  );
}
