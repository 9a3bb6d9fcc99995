import { defineCommand } from "../command.js";
import { InputError, T1Error } from "../../util/errors.js";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { addEmbToken } from "../../engine/emb-token.js";
import { loadModel } from "../../engine/model.js";

export default defineCommand({
  name: "add-emb-token",
  summary: "Copy a Hugging Face model, adding the <emb_token> special token T1 reads embeddings at",
  usage: "--model DIR --out DIR [--json]",
  details: `
T1 embeds a text as the last hidden state at <emb_token>. A base model (e.g. Qwen/Qwen3-0.6B) lacks
that token: this writes a copy in --out with the token added to tokenizer.json and
tokenizer_config.json, its embedding row (and untied lm_head row) set to the mean of the existing
rows, and config.json's vocab_size grown when needed. Rows of the other tokens are unchanged, so
their logits and hidden states are the original's. A model that has the token is copied as is.
The weights are saved as one model.safetensors in the source's dtype. --out must be a new or
empty folder.`,
  options: {
    model: { type: "string", description: "Source model directory (config.json, tokenizer.json, safetensors)", required: true, arg: "DIR" },
    out: { type: "string", description: "Destination directory (new or empty)", required: true, arg: "DIR" },
    json: { type: "boolean", description: "Print {id, added, vocabSize, out} as JSON" },
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new InputError(`t1 add-emb-token: unexpected argument "${positionals[0]}" (use --model DIR --out DIR)`);
    const model = values.model;
    const out = values.out;
    if (!existsSync(model) || !statSync(model).isDirectory()) throw new T1Error("NOT_FOUND", `t1 add-emb-token: --model ${model} is not a directory (expected a Hugging Face model folder)`);
    if (resolve(model) === resolve(out)) throw new InputError(`t1 add-emb-token: --out must differ from --model (the source is never modified)`);
    // Refuse to mix with another model's files: a stale shard or tokenizer there would be loaded too.
    if (existsSync(out) && readdirSync(out).length > 0) throw new InputError(`t1 add-emb-token: --out ${out} exists and is not empty`);
    // Load the source as t1 would (config, tokenizer, every weight's shape and bytes) before
    // writing anything: a corrupt model is refused here, naming its file, not copied.
    if (!existsSync(join(model, "config.json"))) throw new InputError(`t1 add-emb-token: --model ${model} has no config.json (expected a Hugging Face model folder)`);
    (await loadModel(model, { weights: "f16" })).dispose();
    const r = await addEmbToken(model, out);
    if (values.json) console.log(JSON.stringify({ ...r, out }));
    else console.log(r.added ? `added <emb_token> as id ${r.id} (vocab_size ${r.vocabSize}); wrote ${out}` : `<emb_token> already present as id ${r.id}; copied to ${out}`);
    return 0;
  },
});
