import { defineCommand } from "../command.js";
import { InputError } from "../../util/errors.js";
import { loadModelTokenizer } from "../../engine/tokenizer/model-tokenizer.js";
import { LlamaCppTokenizer } from "../../backends/llamacpp-tokenizer.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export default defineCommand({
  name: "tokenize",
  summary: "Print the token ids of stdin's text (like llama.cpp's llama-tokenize)",
  usage: "--model DIR|FILE.gguf [--backend native|llamacpp] [--special] [--json] < TEXT",
  details: `
Reads all of stdin as UTF-8 and tokenises it exactly: a trailing newline is a token too (use
printf, not echo, to leave it out). Nothing is added: no BOS or EOS, no chat template. Without
--special, special tokens written in the text (<|im_start|>, <emb_token>) are plain characters;
with it they become their single ids, as in every prompt T1 feeds a model. Added tokens that are
not special (Qwen3's <think>) are single tokens either way, as in transformers and llama.cpp.
The native backend reads tokenizer.json of a model folder, or rebuilds it from a .gguf; the
llamacpp backend runs llama.cpp's own tokenizer on a .gguf (its vocabulary only). Prints one line
per token (id, then the text it decodes to, as a JSON string), or with --json one array of ids.
The native tokenizer applies the model's normaliser (NFC for Qwen); llama.cpp applies none, so
compare the two on NFC text.`,
  options: {
    model: { type: "string", description: "Model folder (tokenizer.json) or .gguf file", required: true, arg: "DIR|FILE.gguf" },
    backend: { type: "string", description: "native (@huggingface/tokenizers) or llamacpp (needs a .gguf)", default: "native", arg: "NAME" },
    special: { type: "boolean", description: "Parse special tokens written in the text as single ids" },
    json: { type: "boolean", description: "Print one JSON array of ids" },
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new InputError(`t1 tokenize: unexpected argument "${positionals[0]}" (the text is read from stdin)`);
    const model = values.model;
    const backend = values.backend;
    if (backend !== "native" && backend !== "llamacpp") throw new InputError(`t1 tokenize: --backend must be native or llamacpp, got "${backend}"`);
    const parseSpecial = values.special;
    const text = await readStdin();
    let ids: number[];
    let piece: (id: number) => string;
    let close = async (): Promise<void> => {};
    if (backend === "native") {
      const tok = loadModelTokenizer(model, { parseSpecial });
      ids = tok.encode(text, { addSpecialTokens: false });
      piece = (id) => tok.decode([id]);
    } else {
      const tok = await LlamaCppTokenizer.open(model);
      close = () => tok.close();
      ids = tok.encode(text, { parseSpecial });
      piece = (id) => tok.decode([id]);
    }
    try {
      if (values.json) console.log(JSON.stringify(ids));
      else for (const id of ids) console.log(`${String(id).padStart(6)} ${JSON.stringify(piece(id))}`);
    } finally {
      await close();
    }
    return 0;
  },
});
