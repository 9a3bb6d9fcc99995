import { defineCommand } from "../command.js";
import { InputError } from "../../util/errors.js";
import { ggmlTypeFromName } from "../../engine/gguf/constants.js";
import { convertHfToGguf } from "../../engine/gguf/convert-hf.js";

export default defineCommand({
  name: "convert",
  summary: "Convert a Hugging Face model directory to GGUF for llama.cpp",
  usage: "--to gguf [--type f32|f16|bf16|q8_0|q4_0] DIR OUT.gguf",
  details: `
Writes llama.cpp tensor names, architecture metadata (llama, qwen2, qwen3), the tokenizer
(SentencePiece-style as "llama", byte-level BPE as "gpt2") and the chat template. Norms and biases
stay f32 whatever --type says; rows that are not a multiple of 32 fall back from q8_0 to f16.`,
  options: {
    to: { type: "string", choices: ["gguf"], description: "Output format (only gguf)", default: "gguf" },
    type: { type: "string", choices: ["f32", "f16", "bf16", "q8_0", "q4_0"], description: "Weight type: f32 (exact), f16 (half size), bf16, q8_0 (quarter size), q4_0 (eighth size)", default: "f16" },
    quiet: { type: "boolean", description: "No progress output" },
  },
  async run(values, positionals) {
    const type = ggmlTypeFromName(values.type);
    if (type === undefined) throw new InputError(`t1 convert: --type ${values.type} has no GGML type`);
    if (positionals.length !== 2) throw new InputError(`t1 convert: expected DIR and OUT.gguf, got ${positionals.length} arguments`);
    const [dir, out] = positionals as [string, string];
    const r = await convertHfToGguf(dir, out, {
      type,
      progress: !values.quiet,
      onWarning: (m) => console.error(`t1 convert: ${m}`),
    });
    console.log(`wrote ${out}: ${r.tensors} tensors, ${(r.bytes / 1e6).toFixed(1)} MB of weights`);
  },
});
