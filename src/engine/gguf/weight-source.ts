/**
 * The engine's GGUF weight source: `loadCheckpoint("model.gguf")` (src/engine/weight-source.ts)
 * imports this module and gets HF-named f32 tensors, config and tokenizer from the GGUF file.
 */
import { existsSync, statSync } from "node:fs";
import { parseHfConfig } from "../config.js";
import type { WeightSource } from "../weight-source.js";
import { readGgufModel } from "./model.js";

export const ggufWeightSource: WeightSource = {
  name: "gguf",
  canLoad: (path) => path.toLowerCase().endsWith(".gguf") && existsSync(path) && statSync(path).isFile(),
  async load(path, alloc) {
    const m = readGgufModel(path, { alloc });
    const eos = m.config.eos_token_id;
    return {
      config: parseHfConfig(m.config, path),
      tensors: m.tensors,
      tokenizerJson: m.tokenizerJson,
      tokenizerConfig: m.tokenizerConfig,
      generationConfig: { bos_token_id: m.config.bos_token_id, eos_token_id: eos, do_sample: false },
      source: path,
    };
  },
};
