/**
 * `addEmbToken`: gives a model that lacks it the `<emb_token>` special token — tokenizer entry,
 * embedding row (and untied lm_head row) initialised to the mean of the existing rows, and
 * config vocab_size — and saves the result as a new Hugging Face directory, with the T1 format
 * settings (t1_format.json: the source's, else the defaults, with `format` on top) beside it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError, T1Error } from "../util/errors.js";
import { copyFileWithNormalMode, writeFileAtomic } from "../util/atomic.js";
import { parseHfConfig } from "./config.js";
import { readSafetensors, readSafetensorsHeader, safetensorsFiles, writeSafetensors, type SafetensorsDtype, type TensorMap } from "./safetensors.js";
import { EMB_TOKEN, readT1FormatSettings, writeT1FormatSettings, type T1FormatSettings } from "../data/t1-format/index.js";

export interface AddEmbTokenResult {
  /** Id of `<emb_token>` in the saved model. */
  id: number;
  /** False when the model already had the token (files are copied unchanged). */
  added: boolean;
  vocabSize: number;
}

function readJson(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new T1Error("NOT_FOUND", `missing ${path}`);
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`invalid JSON: ${(e as Error).message}`, { file: path });
  }
}

/** Mean of the first `rows` rows of a (R, C) matrix, written into row `dst`. */
function meanRowInto(t: { shape: number[]; data: Float32Array }, rows: number, dst: number): void {
  const C = t.shape[1]!;
  const acc = new Float64Array(C);
  for (let r = 0; r < rows; r++) for (let c = 0; c < C; c++) acc[c] += t.data[r * C + c]!;
  for (let c = 0; c < C; c++) t.data[dst * C + c] = acc[c]! / rows;
}

function growRows(t: { shape: number[]; data: Float32Array }, rows: number): { shape: number[]; data: Float32Array } {
  const C = t.shape[1]!;
  const data = new Float32Array(rows * C);
  data.set(t.data.subarray(0, Math.min(t.data.length, rows * C)));
  return { shape: [rows, C], data };
}

export interface AddEmbTokenOptions {
  /** T1 format settings recorded in the output's t1_format.json, over the source's own (or the defaults). Default: none. */
  format?: Partial<T1FormatSettings>;
}

export async function addEmbToken(dir: string, outDir: string, opts: AddEmbTokenOptions = {}): Promise<AddEmbTokenResult> {
  if (resolve(dir) === resolve(outDir)) throw new T1Error("BAD_INPUT", "addEmbToken: outDir must differ from the source directory");
  const cfgPath = join(dir, "config.json");
  const rawCfg = readJson(cfgPath);
  const cfg = parseHfConfig(rawCfg, cfgPath);
  const tokPath = join(dir, "tokenizer.json");
  const tokJson = readJson(tokPath);
  const tcPath = join(dir, "tokenizer_config.json");
  const tokCfg = existsSync(tcPath) ? readJson(tcPath) : {};
  mkdirSync(outDir, { recursive: true });

  const added = (tokJson.added_tokens ?? []) as { id: number; content: string }[];
  const model = tokJson.model as { vocab?: Record<string, number> | [string, number][] } | undefined;
  const existing = added.find((t) => t.content === EMB_TOKEN);
  if (existing) {
    for (const f of readdirSync(dir)) copyFileWithNormalMode(join(dir, f), join(outDir, f));
    writeT1FormatSettings(outDir, { ...readT1FormatSettings(dir), ...opts.format });
    return { id: existing.id, added: false, vocabSize: cfg.vocabSize };
  }
  // The next id after every token the tokenizer knows (model vocab and added tokens).
  let maxId = -1;
  const vocab = model?.vocab;
  if (vocab && !Array.isArray(vocab)) for (const id of Object.values(vocab)) maxId = Math.max(maxId, id);
  else if (Array.isArray(vocab)) maxId = vocab.length - 1; // Unigram: [piece, score] list, ids = positions
  for (const t of added) maxId = Math.max(maxId, t.id);
  const id = maxId + 1;
  const known = id; // rows 0..id-1 are real tokens; padded rows beyond (as in Qwen) are not averaged

  const files = await safetensorsFiles(dir);
  const firstHeader = await readSafetensorsHeader(files[0]!);
  const dtype = ([...firstHeader.entries.values()][0]?.dtype ?? "F32") as SafetensorsDtype;
  const tensors: TensorMap = await readSafetensors(dir);
  const vocabSize = Math.max(cfg.vocabSize, id + 1);
  for (const name of ["model.embed_tokens.weight", ...(cfg.tieEmbeddings ? [] : ["lm_head.weight"])]) {
    let t = tensors.get(name);
    if (!t) throw new T1Error("BAD_INPUT", `${dir}: checkpoint lacks ${name}`);
    if (t.shape[0]! < vocabSize) t = growRows(t, vocabSize);
    meanRowInto(t, Math.min(known, t.shape[0]!), id);
    tensors.set(name, t);
  }

  added.push({ id, content: EMB_TOKEN, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true } as never);
  tokJson.added_tokens = added;
  const dec = (tokCfg.added_tokens_decoder ?? {}) as Record<string, unknown>;
  dec[String(id)] = { content: EMB_TOKEN, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
  tokCfg.added_tokens_decoder = dec;
  const extra = Array.isArray(tokCfg.additional_special_tokens) ? (tokCfg.additional_special_tokens as string[]) : [];
  tokCfg.additional_special_tokens = [...extra, EMB_TOKEN];
  rawCfg.vocab_size = vocabSize;

  const skip = new Set(["config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors", "model.safetensors.index.json"]);
  const shardNames = new Set(files.map((f) => f.split("/").pop()!));
  for (const f of readdirSync(dir)) if (!skip.has(f) && !shardNames.has(f)) copyFileWithNormalMode(join(dir, f), join(outDir, f));
  writeSafetensors(join(outDir, "model.safetensors"), tensors, { format: "pt" }, { dtype });
  writeFileAtomic(join(outDir, "tokenizer.json"), JSON.stringify(tokJson, null, 1));
  writeFileAtomic(join(outDir, "tokenizer_config.json"), JSON.stringify(tokCfg, null, 2));
  writeFileAtomic(join(outDir, "config.json"), JSON.stringify(rawCfg, null, 2) + "\n");
  writeT1FormatSettings(outDir, { ...readT1FormatSettings(dir), ...opts.format });
  return { id, added: true, vocabSize };
}
