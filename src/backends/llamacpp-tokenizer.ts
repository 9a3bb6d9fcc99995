/**
 * llama.cpp's own tokenizer for a GGUF file (node-llama-cpp, vocabulary only: no weights are
 * read), the reference the native tokenizer is checked against and `t1 tokenize --backend llamacpp`.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Llama, LlamaModel } from "node-llama-cpp";
import { InputError, T1Error } from "../util/errors.js";

export class LlamaCppTokenizer {
  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
  ) {}

  static async open(gguf: string): Promise<LlamaCppTokenizer> {
    const path = resolve(gguf);
    if (!path.toLowerCase().endsWith(".gguf")) throw new InputError("llama.cpp reads .gguf files; convert a model folder first with `t1 convert --to gguf`", { file: gguf });
    if (!existsSync(path)) throw new T1Error("NOT_FOUND", `GGUF file not found: ${path}`);
    let mod: typeof import("node-llama-cpp");
    try {
      mod = await import("node-llama-cpp");
    } catch (e) {
      throw new T1Error("DEPENDENCY", `llama.cpp tokenisation needs the optional dependency node-llama-cpp (npm i node-llama-cpp): ${(e as Error).message}`, { cause: e });
    }
    const llama = await mod.getLlama({ gpu: false, logLevel: mod.LlamaLogLevel.error, maxThreads: 1 });
    try {
      return new LlamaCppTokenizer(llama, await llama.loadModel({ modelPath: path, vocabOnly: true }));
    } catch (e) {
      await llama.dispose();
      throw new T1Error("BAD_INPUT", `llama.cpp cannot load the vocabulary of ${path}: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * Ids of `text`, no BOS/EOS added. `parseSpecial` (default true): special tokens written in the
   * text become their ids (llama.cpp's parse_special); false spells them out.
   */
  encode(text: string, opts: { parseSpecial?: boolean } = {}): number[] {
    return this.model.tokenize(text, opts.parseSpecial ?? true).map(Number);
  }

  /** Text of `ids`, special tokens written out. */
  decode(ids: readonly number[]): string {
    return this.model.detokenize(ids as never, true);
  }

  async close(): Promise<void> {
    await this.model.dispose();
    await this.llama.dispose();
  }
}
