import { defineCommand, optStr } from "../command.js";
import { InputError } from "../../util/errors.js";
import { ggmlTypeFromName } from "../../engine/gguf/constants.js";
import { convertHfToGguf } from "../../engine/gguf/convert-hf.js";

export default defineCommand({
  name: "convert",
  summary: "Convert a Hugging Face model directory to GGUF for llama.cpp",
  usage: "--to gguf [--type f32|f16|q8_0] DIR OUT.gguf",
  details: `
Writes llama.cpp tensor names, architecture metadata (llama, qwen2, qwen3), the tokenizer
(SentencePiece-style as "llama", byte-level BPE as "gpt2") and the chat template. Norms and biases
stay f32 whatever --type says; rows that are not a multiple of 32 fall back from q8_0 to f16.`,
  options: {
    to: { type: "string", description: "Output format (only gguf)", default: "gguf", arg: "FORMAT" },
    type: { type: "string", description: "Weight type: f32 (exact), f16 (half size), bf16, q8_0 (quarter size), q4_0", default: "f16", arg: "TYPE" },
    quiet: { type: "boolean", description: "No progress output" },
  },
  async run(values, positionals) {
    const to = optStr(values, "to") ?? "gguf";
    if (to !== "gguf") throw new InputError(`t1 convert: --to must be gguf, got "${to}"`);
    const typeName = optStr(values, "type") ?? "f16";
    const type = ggmlTypeFromName(typeName);
    if (type === undefined) throw new InputError(`t1 convert: --type must be f32, f16, bf16, q8_0 or q4_0, got "${typeName}"`);
    if (positionals.length !== 2) throw new InputError(`t1 convert: expected DIR and OUT.gguf, got ${positionals.length} arguments`);
    const [dir, out] = positionals as [string, string];
    const r = await convertHfToGguf(dir, out, {
      type,
      progress: values.quiet !== true,
      onWarning: (m) => console.error(`t1 convert: ${m}`),
    });
    console.log(`wrote ${out}: ${r.tensors} tensors, ${(r.bytes / 1e6).toFixed(1)} MB of weights`);
  },
});
