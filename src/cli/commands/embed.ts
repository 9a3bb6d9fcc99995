import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { defineCommand } from "../command.js";
import { WEIGHTS_OPTION } from "../options/weights.js";
import { InputError } from "../../util/errors.js";
import { EMB_TOKEN, loadModel } from "../../engine/model.js";
import { embedToFile } from "../../engine/embed-job.js";

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

export default defineCommand({
  name: "embed",
  summary: "Embed texts at <emb_token> with the native engine (.npy or .jsonl out)",
  usage: "--model DIR|FILE.gguf --input texts.jsonl --out vectors.npy|vectors.jsonl [--normalize] [--max-doc-length N]",
  details: `
Each input line is a JSON string or {"text": ..., "id": ...}. A text that does not end in
${EMB_TOKEN} gets it appended; the vector is the final-norm hidden state there. .npy output is
float32 (N, D) in input order; .jsonl output writes {"id"?, "embedding": [...]} lines.
Work is saved every --checkpoint-every texts under OUT.parts/, so a killed run resumes where it stopped.`,
  options: {
    model: { type: "string", description: "Model directory (Hugging Face layout) or .gguf file", required: true, arg: "PATH" },
    input: { type: "string", description: "JSONL of texts", required: true, arg: "FILE" },
    out: { type: "string", description: "Output .npy or .jsonl", required: true, arg: "FILE" },
    normalize: { type: "boolean", description: "L2-normalise each vector (cosine-ready)" },
    "batch-tokens": { type: "number", integer: true, min: 1, description: "Tokens per forward pass (more = faster, more memory)", default: 2048 },
    "max-doc-length": { type: "number", integer: true, min: 1, description: "Tokens kept per text; longer texts are cut (the final <emb_token> is kept) (default: no limit)" },
    "checkpoint-every": { type: "number", integer: true, min: 1, description: "Texts between checkpoints (resume granularity)", default: 256 },
    quiet: { type: "boolean", description: "No progress output" },
    weights: WEIGHTS_OPTION,
  },
  async run(values) {
    const { input, out } = values;
    const isNpy = out.endsWith(".npy");
    if (!isNpy && !out.endsWith(".jsonl")) throw new InputError(`t1 embed: --out must end in .npy or .jsonl, got "${out}"`);
    const rows = readTexts(input);
    if (rows.length === 0) throw new InputError(`no texts to embed (expected JSON strings or {"text": ...} lines)`, { file: input });
    if (!values.quiet) console.error(`t1 embed: ${rows.length} texts from ${input}, ${values["batch-tokens"]} tokens per forward pass, a checkpoint every ${values["checkpoint-every"]} texts; loading ${values.model}`);
    const modelPath = values.model;
    const weights = values.weights;
    const model = await loadModel(modelPath, { weights });
    const st = statSync(input);
    await embedToFile(model, rows, out, {
      // Resume only from parts made from the same input file, model and weight storage.
      jobKey: JSON.stringify({ input: resolve(input), size: st.size, mtimeMs: st.mtimeMs, model: resolve(modelPath), weights }),
      chunk: values["checkpoint-every"],
      normalize: values.normalize,
      batchTokens: values["batch-tokens"],
      maxTokens: values["max-doc-length"],
      progress: !values.quiet,
    });
    const D = model.hiddenSize;
    if (!values.quiet) console.error(`t1 embed: wrote ${rows.length} x ${D} vectors to ${out}`);
    return 0;
  },
});
