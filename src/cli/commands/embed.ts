import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { bool, defineCommand, optNum, optStr, str, type OptionValues } from "../command.js";
import { InputError } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { Progress } from "../../util/progress.js";
import { EMB_TOKEN, loadModel } from "../../engine/model.js";
import { writeNpyF32 } from "../../engine/npy.js";

interface Row {
  id?: string;
  text: string;
}

/** Each line: a JSON string, or an object with "text" (and optional "id"). */
function readTexts(file: string): Row[] {
  if (!existsSync(file)) throw new InputError(`no such file`, { file });
  const rows: Row[] = [];
  readFileSync(file, "utf8").split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new InputError(`invalid JSON: ${(e as Error).message}`, { file, line: i + 1 });
    }
    if (typeof v === "string") rows.push({ text: v });
    else if (v && typeof v === "object" && typeof (v as Row).text === "string") {
      const id = (v as { id?: unknown }).id;
      rows.push({ text: (v as Row).text, ...(id !== undefined ? { id: String(id) } : {}) });
    } else throw new InputError(`expected a JSON string or an object with a string "text"`, { file, line: i + 1, field: "text" });
  });
  return rows;
}

/** --weights f32|f16. */
function weightsOption(values: OptionValues): "f32" | "f16" {
  const w = optStr(values, "weights") ?? "f32";
  if (w !== "f32" && w !== "f16") throw new InputError(`--weights must be f32 or f16, got "${w}"`);
  return w;
}

export default defineCommand({
  name: "embed",
  summary: "Embed texts at <emb_token> with the native engine (.npy or .jsonl out)",
  usage: "--model DIR|FILE.gguf --input texts.jsonl --out vectors.npy|vectors.jsonl [--normalize]",
  details: `
Each input line is a JSON string or {"text": ..., "id": ...}. A text that does not end in
${EMB_TOKEN} gets it appended; the vector is the final-norm hidden state there. .npy output is
float32 (N, D) in input order; .jsonl output writes {"id"?, "embedding": [...]} lines.
Work is saved in chunks under OUT.parts/, so a killed run resumes where it stopped.`,
  options: {
    model: { type: "string", description: "Model directory (Hugging Face layout) or .gguf file", required: true, arg: "PATH" },
    input: { type: "string", description: "JSONL of texts", required: true, arg: "FILE" },
    out: { type: "string", description: "Output .npy or .jsonl", required: true, arg: "FILE" },
    normalize: { type: "boolean", description: "L2-normalise each vector (cosine-ready)" },
    "batch-tokens": { type: "number", description: "Tokens per forward pass (more = faster, more memory)", default: 2048, arg: "N" },
    "max-tokens": { type: "number", description: "Truncate longer texts to N tokens (the final <emb_token> is kept)", arg: "N" },
    chunk: { type: "number", description: "Texts per saved chunk (resume granularity)", default: 256, arg: "N" },
    quiet: { type: "boolean", description: "No progress output" },
    weights: { type: "string", description: "Weight storage: f32 (exact) or f16 (half the memory)", default: "f32", arg: "f32|f16" },
  },
  async run(values) {
    const input = str(values, "input");
    const out = str(values, "out");
    const isNpy = out.endsWith(".npy");
    if (!isNpy && !out.endsWith(".jsonl")) throw new InputError(`t1 embed: --out must end in .npy or .jsonl, got "${out}"`);
    const chunk = optNum(values, "chunk") ?? 256;
    if (!Number.isInteger(chunk) || chunk <= 0) throw new InputError(`t1 embed: --chunk must be a positive integer, got ${chunk}`);
    const rows = readTexts(input);
    const model = await loadModel(str(values, "model"), { weights: weightsOption(values) });
    model.requireEmbTokenId();
    const D = model.hiddenSize;
    const texts = rows.map((r) => (r.text.endsWith(EMB_TOKEN) ? r.text : r.text + EMB_TOKEN));

    // Resume only when the parts were made from the same input, model and chunking.
    const partsDir = out + ".parts";
    const st = statSync(input);
    const meta = JSON.stringify({ input: resolve(input), size: st.size, mtimeMs: st.mtimeMs, model: resolve(str(values, "model")), chunk, n: rows.length, normalize: bool(values, "normalize"), maxTokens: optNum(values, "max-tokens") ?? null });
    const metaPath = join(partsDir, "meta.json");
    if (existsSync(partsDir) && (!existsSync(metaPath) || readFileSync(metaPath, "utf8") !== meta)) rmSync(partsDir, { recursive: true, force: true });
    mkdirSync(partsDir, { recursive: true });
    writeFileAtomic(metaPath, meta);

    const progress = new Progress("embed", rows.length, { unit: "texts", quiet: bool(values, "quiet") });
    const vectors: Float32Array[] = [];
    for (let c = 0; c * chunk < rows.length; c++) {
      const part = join(partsDir, `chunk-${String(c).padStart(6, "0")}.f32`);
      const lo = c * chunk, hi = Math.min(rows.length, lo + chunk);
      let flat: Float32Array;
      if (existsSync(part) && statSync(part).size === (hi - lo) * D * 4) {
        const b = readFileSync(part);
        flat = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      } else {
        const vecs = await model.embed(texts.slice(lo, hi), { batchTokens: optNum(values, "batch-tokens"), maxTokens: optNum(values, "max-tokens") });
        flat = new Float32Array((hi - lo) * D);
        vecs.forEach((v, i) => {
          if (bool(values, "normalize")) {
            let s = 0;
            for (const x of v) s += x * x;
            const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
            for (let j = 0; j < D; j++) v[j]! *= inv;
          }
          flat.set(v, i * D);
        });
        writeFileAtomic(part, new Uint8Array(flat.buffer));
      }
      for (let i = 0; i < hi - lo; i++) vectors.push(flat.subarray(i * D, (i + 1) * D));
      progress.tick(hi - lo);
    }
    progress.finish();
    if (isNpy) writeNpyF32(out, vectors, D);
    else writeFileAtomic(out, vectors.map((v, i) => JSON.stringify({ ...(rows[i]!.id !== undefined ? { id: rows[i]!.id } : {}), embedding: Array.from(v) }) + "\n").join(""));
    rmSync(partsDir, { recursive: true, force: true });
    if (!bool(values, "quiet")) console.error(`wrote ${rows.length} x ${D} vectors to ${out}`);
    return 0;
  },
});
