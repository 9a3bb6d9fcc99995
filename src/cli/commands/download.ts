import { defineCommand, type Values } from "../command.js";
import { InputError, T1Error } from "../../util/errors.js";
import { downloadHubModel, defaultCacheDir } from "../../data/hub-model.js";
import { HubUnreachableError } from "../../data/hub.js";
import { downloadBrightDataset } from "../../data/bright-download.js";
import { BRIGHT_DOMAINS } from "../../data/bright-domains.js";

/** "a,b" and repeated flags both accepted; empty items are dropped. */
function listOption(given: string[] | undefined): string[] | undefined {
  const items = (given ?? []).flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s !== "");
  return items.length > 0 ? items : undefined;
}

const OPTIONS = {
  model: { type: "string", description: "Model repo to download, e.g. Qwen/Qwen3-0.6B", arg: "OWNER/NAME" },
  bright: { type: "boolean", description: "Download the BRIGHT dataset instead of a model" },
  domains: { type: "string", description: "With --bright: comma-separated domains (default: all 12)", arg: "LIST", multiple: true },
  configs: { type: "string", description: "With --bright: comma-separated configs (default: examples,documents)", arg: "LIST", multiple: true },
  "bright-repo": { type: "string", description: "With --bright: the dataset repo", default: "xlangai/BRIGHT", arg: "OWNER/NAME" },
  files: { type: "string", description: "With --model: more repo paths to fetch, comma-separated", arg: "LIST", multiple: true },
  dir: { type: "string", description: "Destination folder", arg: "DIR" },
  revision: { type: "string", description: "Branch, tag or commit", default: "main", arg: "REV" },
  endpoint: { type: "string", description: "Hub address (default: $HF_ENDPOINT, else https://huggingface.co)", arg: "URL" },
  force: { type: "boolean", description: "Re-download files that already exist" },
  quiet: { type: "boolean", description: "No progress output" },
} as const;

export default defineCommand({
  name: "download",
  summary: "Download a model (safetensors + tokenizer) or the BRIGHT dataset from the Hugging Face Hub",
  usage: "--model OWNER/NAME [--dir DIR]  |  --bright [--domains LIST] [--configs LIST] [--dir DIR]",
  details: `
--model fetches config.json, tokenizer.json, tokenizer_config.json, generation_config.json and
chat_template.jinja (when the repo has them) and the safetensors weights: the sharded index and
every shard it names, or model.safetensors. --bright fetches BRIGHT's parquet files (the shard
names come from the Hub's file listing) in the Hugging Face layout; t1 bright export turns a
domain into the corpus, queries, qrels and exclusions files that t1 index, run and evaluate read.
Files resume after an interruption (run the same command again), are checked against the Hub's
sha256/sha1, and files already present are skipped (--force re-downloads).
The Hub address is --endpoint, else $HF_ENDPOINT, else https://huggingface.co (a mirror works);
gated or private repos need $HF_TOKEN. Default --dir: ~/.cache/t1/models/OWNER/NAME or
~/.cache/t1/datasets/xlangai/BRIGHT ($XDG_CACHE_HOME/t1 when set). Prints the folder when done.
Domains: ${BRIGHT_DOMAINS.join(", ")}.
Configs: examples, documents, long_documents, and the reasoning sets (gpt4_reason, ...).`,
  options: OPTIONS,
  async run(values, positionals) {
    try {
      return await download(values, positionals);
    } catch (e) {
      if (!(e instanceof HubUnreachableError)) throw e;
      throw new T1Error(
        "REMOTE",
        `t1 download: ${e.message}; nothing was written. Without network access, copy the folder from a machine that has it ` +
          `(--model: config.json, tokenizer*.json and the *.safetensors; every t1 command takes --model DIR), ` +
          `or point --endpoint (or $HF_ENDPOINT) at a reachable mirror`,
      );
    }
  },
});

async function download(values: Values<typeof OPTIONS>, positionals: string[]): Promise<number> {
  if (positionals.length > 0) throw new InputError(`t1 download: unexpected argument "${positionals[0]}" (use --model OWNER/NAME or --bright)`);
  const model = values.model;
  const bright = values.bright;
  if ((model === undefined) === !bright) throw new InputError(`t1 download: give exactly one of --model OWNER/NAME or --bright (see \`t1 download --help\`)`);
  const hub = {
    endpoint: values.endpoint,
    revision: values.revision,
    force: values.force,
    quiet: values.quiet,
  };
  if (model !== undefined) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(model)) throw new InputError(`t1 download: --model must look like OWNER/NAME (e.g. Qwen/Qwen3-0.6B), got "${model}"`);
    for (const flag of ["domains", "configs", "bright-repo"] as const) {
      if (values[flag] !== undefined && values[flag] !== "xlangai/BRIGHT") throw new InputError(`t1 download: --${flag} applies to --bright, not --model`);
    }
    const r = await downloadHubModel({ ...hub, repo: model, dir: values.dir, extraFiles: listOption(values.files) });
    console.log(r.dir);
    return 0;
  }
  if (values.files !== undefined) throw new InputError(`t1 download: --files applies to --model, not --bright`);
  const domainList = listOption(values.domains);
  const repo = values["bright-repo"];
  const dir = values.dir ?? defaultCacheDir("datasets", repo);
  await downloadBrightDataset({
    ...hub,
    repo,
    dir,
    domains: domainList,
    configs: listOption(values.configs),
  });
  console.log(dir);
  return 0;
}
