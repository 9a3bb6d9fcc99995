import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { defineCommand } from "../command.js";
import { WEIGHTS_OPTION } from "../options/weights.js";
import { BACKEND_OPTIONS, backendFromOptions } from "../options/backend.js";
import { InputError } from "../../util/errors.js";
import { EMB_TOKEN } from "../../backends/types.js";
import { openBackend } from "../../backends/open.js";
import { embedToFile, type EmbedJobRow } from "../../retrieval/embed-job.js";
import { brightInstruction } from "../../retrieval/encoders/instructions.js";

/** Each line: a JSON string, or an object with "text" (and optional "id"). */
function readTexts(file: string): EmbedJobRow[] {
  if (!existsSync(file)) throw new InputError(`no such file`, { file });
  const rows: EmbedJobRow[] = [];
  readFileSync(file, "utf8").split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new InputError(`invalid JSON: ${(e as Error).message}`, { file, line: i + 1 });
    }
    if (typeof v === "string") rows.push({ text: v });
    else if (v && typeof v === "object" && typeof (v as EmbedJobRow).text === "string") {
      const id = (v as { id?: unknown }).id;
      rows.push({ text: (v as EmbedJobRow).text, ...(id !== undefined ? { id: String(id) } : {}) });
    } else throw new InputError(`expected a JSON string or an object with a string "text"`, { file, line: i + 1, field: "text" });
  });
  return rows;
}

export default defineCommand({
  name: "embed",
  summary: "Embed texts at <emb_token> as T1 documents on any backend (.npy or .jsonl out)",
  usage: "--model M --input texts.jsonl --out vectors.npy|vectors.jsonl [--backend native|llamacpp|remote] [--normalize] [--max-doc-length N]",
  details: `
Each input line is a JSON string or {"text": ..., "id": ...}. Each text is embedded as t1 index embeds
a document: instruction + text, cut to --max-doc-length tokens, then ${EMB_TOKEN} (a text that already
ends in ${EMB_TOKEN} is read there); the vector is the final-norm hidden state at that token.
Unset --instruction and --max-doc-length come from the model's t1_format.json (its document
instruction, its max_document_tokens), else no instruction and 512 tokens.
.npy output is float32 (N, D) in input order; .jsonl output writes {"id"?, "embedding": [...]} lines.
Work is saved every --checkpoint-every texts under OUT.parts/, so a killed run resumes where it stopped.`,
  options: {
    ...BACKEND_OPTIONS,
    input: { type: "string", description: "JSONL of texts", required: true, arg: "FILE" },
    out: { type: "string", description: "Output .npy or .jsonl", required: true, arg: "FILE" },
    normalize: { type: "boolean", description: "L2-normalise each vector (cosine-ready)" },
    instruction: { type: "string", description: "Instruction before each text (default: the model's t1_format.json, else none)", arg: "TEXT" },
    task: { type: "string", description: "Use BRIGHT's instruction for this task (e.g. biology, leetcode)", arg: "TASK" },
    "max-doc-length": { type: "number", integer: true, min: 1, description: "Tokens kept per text, instruction included, before <emb_token> (default: the model's t1_format.json, else 512)" },
    "checkpoint-every": { type: "number", integer: true, min: 1, description: "Texts between checkpoints (resume granularity)", default: 256 },
    "batch-tokens": { type: "number", integer: true, min: 1, description: "native: tokens per forward pass (more = faster, more memory) (default: 2048)" },
    weights: { ...WEIGHTS_OPTION, description: `native: ${WEIGHTS_OPTION.description}` },
    quiet: { type: "boolean", description: "No progress output" },
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new InputError(`t1 embed: unexpected argument "${positionals[0]}" (the texts go in --input, the vectors in --out)`);
    const { input, out } = values;
    if (!out.endsWith(".npy") && !out.endsWith(".jsonl")) throw new InputError(`t1 embed: --out must end in .npy or .jsonl, got "${out}"`);
    const opened = backendFromOptions(values, "embed");
    if (opened.backend !== "native" && (values["batch-tokens"] !== undefined || values.weights !== "auto")) {
      throw new InputError(`t1 embed: --batch-tokens and --weights apply to --backend native only`);
    }
    const rows = readTexts(input);
    if (rows.length === 0) throw new InputError(`no texts to embed (expected JSON strings or {"text": ...} lines)`, { file: input });
    const log = values.quiet ? () => undefined : (line: string) => console.error(line);
    log(`t1 embed: ${rows.length} texts from ${input}, a checkpoint every ${values["checkpoint-every"]} texts; opening the ${opened.backend} backend${opened.model ? ` (${opened.model})` : ""}`);
    const backend = await openBackend({ ...opened, batchTokens: values["batch-tokens"], weights: values.weights });
    try {
      const st = statSync(input);
      const r = await embedToFile(backend, rows, out, {
        // Resume only from parts made from the same input file, backend, model and weight storage.
        jobKey: JSON.stringify({ input: resolve(input), size: st.size, mtimeMs: st.mtimeMs, backend: backend.kind, model: backend.modelId, weights: values.weights }),
        instruction: values.instruction ?? (values.task ? brightInstruction(values.task) : undefined),
        maxLength: values["max-doc-length"],
        chunk: values["checkpoint-every"],
        normalize: values.normalize,
        progress: !values.quiet,
      });
      log(`t1 embed: wrote ${r.count} x ${r.dims} vectors to ${out} (up to ${r.maxLength} tokens per text${r.instruction ? ", with an instruction" : ""})`);
    } finally {
      await backend.close();
    }
    return 0;
  },
});
