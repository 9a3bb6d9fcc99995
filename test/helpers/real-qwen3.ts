/**
 * A random tiny Qwen3 carrying the REAL Qwen3 tokenizer (../shared/models/qwen3-tokenizer), with
 * `<emb_token>` added by `t1 add-emb-token` and exported by `t1 convert --to gguf`, both run
 * through the CLI's main() as a user would. No real weights are reachable here, so the weights are
 * random; the vocabulary, ids, template and special tokens are Qwen3's.
 *
 * Layouts (config.json vocab_size = embedding rows):
 * - "mre-t1": rows = tokenizer size. The base has 151,669 rows (ids 0..151668); add-emb-token
 *   appends row 151669, giving 151,670, MRE-T1's vocabulary.
 * - "qwen3-padded": 151,936 rows, as Qwen3's own checkpoints (rows past 151,668 are padding, zero
 *   here). add-emb-token puts id 151669 inside the padding and keeps vocab_size 151,936.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { runInProcess } from "../cli/in-process.js";

export const QWEN3_PADDED_ROWS = 151_936;
export const EMB_TOKEN_ID = 151_669;

export interface RealQwen3 {
  /** Model folder with `<emb_token>` (Hugging Face layout). */
  dir: string;
  /** The same model as an F32 GGUF. */
  gguf: string;
  /** config.json vocab_size after add-emb-token. */
  vocabSize: number;
}

export async function buildRealQwen3(
  root: string,
  tokenizerDir: string,
  opts: { layout: "mre-t1" | "qwen3-padded"; hiddenSize: number; layers: number; heads: number; kvHeads: number; headDim: number; intermediateSize: number; seed?: number },
): Promise<RealQwen3> {
  const base = join(root, `${opts.layout}-base`);
  const dir = join(root, `${opts.layout}-t1`);
  const gguf = join(root, `${opts.layout}.gguf`);
  const { layout, seed, ...shape } = opts;
  // initScale 2: with tied embeddings and the default scale, greedy decoding repeats one token;
  // this scale gives varied reasoning across the whole vocabulary (CJK, code, partial UTF-8).
  createTinyModel(base, {
    arch: "qwen3", seed: seed ?? 11, ...shape, tokenizerDir, initScale: 2,
    vocab: layout === "qwen3-padded" ? QWEN3_PADDED_ROWS : undefined,
  });
  const add = await runInProcess(["add-emb-token", "--model", base, "--out", dir, "--json"]);
  assert.equal(add.code, 0, add.stderr);
  const r = JSON.parse(add.stdout) as { id: number; added: boolean; vocabSize: number };
  assert.equal(r.id, EMB_TOKEN_ID, "<emb_token> takes the id after Qwen3's last added token");
  assert.equal(r.added, true);
  const conv = await runInProcess(["convert", "--to", "gguf", "--type", "f32", "--quiet", dir, gguf]);
  assert.equal(conv.code, 0, conv.stderr);
  return { dir, gguf, vocabSize: r.vocabSize };
}
