/**
 * T1 over the native TypeScript engine (src/engine): a thin adapter over `Model`. Inputs are token
 * ids built by the one T1 input builder (BOS when the model wants one, never an automatic EOS);
 * documents go through packed-batch prefill, queries through `Model.generateThenEmbed` (reasoning,
 * then `<emb_token>` on the same KV cache).
 */
import { resolve } from "node:path";
import { loadModel, type LoadModelOptions, type Model } from "../engine/model.js";
import type { Kernels } from "../engine/kernels/types.js";
import { readT1FormatSettings, type T1FormatSettings, type T1Inputs } from "../data/t1-format/index.js";
import { T1Error } from "../util/errors.js";
import { BackendFormat, FormattedBackend } from "./format.js";
import type {
  DocumentEmbedOptions,
  EmbeddedGeneration,
  FormatBackendOptions,
  Generation,
  GenerationOptions,
  T1Backend,
} from "./types.js";

export interface NativeBackendOptions extends FormatBackendOptions {
  /** Model directory (Hugging Face layout) or .gguf file. */
  model: string;
  /** Identity recorded in indexes. Default: the resolved model path. */
  modelId?: string;
  /** Compute kernels. Default: the engine's shared `getKernels()`. */
  kernels?: Kernels;
  /** Tokens per document prefill pass. Default 2048: larger passes use the matmul better, need more memory. */
  batchTokens?: number;
  /** Storage of the weight matrices (see LoadModelOptions.weights). Default "auto": f16 for bf16/f16 checkpoints, else f32. */
  weights?: LoadModelOptions["weights"];
}

export class NativeBackend extends FormattedBackend implements T1Backend {
  readonly kind = "native" as const;
  readonly dims: number;
  private readonly inputs: T1Inputs;
  protected readonly fmt: BackendFormat;
  /** The model's stop ids plus the settings' stop tokens. */
  private readonly stopTokens: number[];

  private constructor(
    readonly modelId: string,
    readonly model: Model,
    private readonly opts: NativeBackendOptions,
    saved: T1FormatSettings | undefined,
  ) {
    super();
    this.dims = model.hiddenSize;
    const tok = model.requireTokenizer();
    this.inputs = tok.t1Inputs();
    this.fmt = new BackendFormat(modelId, { template: tok.chatTemplate?.template ?? "", bosToken: tok.bosToken, eosToken: tok.eosToken }, saved, opts);
    const extra = (this.fmt.settings.stopTokens ?? []).map((s) => {
      const ids = this.inputs.piece(s);
      const id = ids.length === 1 ? ids[0] : undefined;
      if (id === undefined) throw new T1Error("BAD_INPUT", `${modelId}: stop token ${JSON.stringify(s)} is not one token of the vocabulary`);
      return id;
    });
    this.stopTokens = [...new Set([...model.stopTokenIds, ...extra])];
  }

  static async open(opts: NativeBackendOptions): Promise<NativeBackend> {
    const path = resolve(opts.model);
    const saved = readT1FormatSettings(path);
    const model = await loadModel(path, { kernels: opts.kernels, weights: opts.weights });
    return new NativeBackend(opts.modelId ?? path, model, opts, saved);
  }

  async countTokens(texts: readonly string[]): Promise<number[]> {
    return texts.map((t) => this.inputs.text(t).length);
  }

  embedDocuments(texts: readonly string[], opts: DocumentEmbedOptions): Promise<Float32Array[]> {
    return this.model.embed(
      texts.map((t) => this.inputs.document(opts.instruction, t, opts.maxLength)),
      { batchTokens: this.opts.batchTokens },
    );
  }

  embedTexts(texts: readonly string[]): Promise<Float32Array[]> {
    return this.embedTokenIds(texts.map((t) => this.inputs.text(t)));
  }

  embedParts(inputs: readonly (readonly string[])[]): Promise<Float32Array[]> {
    return this.embedTokenIds(inputs.map((parts) => [...this.inputs.parts(parts), this.inputs.embId]));
  }

  embedTokenIds(ids: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const V = this.model.vocabSize;
    const rows = ids.map((row) => {
      for (const x of row) if (!Number.isInteger(x) || x < 0 || x >= V) throw new T1Error("BAD_INPUT", `token id ${x} is outside the vocabulary (0..${V - 1})`);
      return this.inputs.uptoEmb(row);
    });
    return this.model.embed(rows, { batchTokens: this.opts.batchTokens });
  }

  async generate(prompts: readonly string[], opts: GenerationOptions): Promise<Generation[]> {
    const ids = prompts.map((): number[] => []);
    const finish = prompts.map((): Generation["finishReason"] => "length");
    for await (const ev of this.model.generate(prompts.map((p) => this.inputs.text(p)), this.engineOptions(opts))) {
      if (ev.text) opts.onToken?.(ev.row, ev.text);
      if (ev.token !== undefined) ids[ev.row]!.push(ev.token);
      if (ev.finishReason) finish[ev.row] = ev.finishReason;
    }
    return ids.map((out, i) => ({ text: this.model.decode(out), tokens: out.length, finishReason: finish[i]! }));
  }

  async generateAndEmbed(prompts: readonly string[], opts: GenerationOptions): Promise<EmbeddedGeneration[]> {
    const results = await this.model.generateThenEmbed(prompts.map((p) => this.inputs.text(p)), { ...this.engineOptions(opts), onToken: opts.onToken });
    return results.map((r) => ({
      text: r.text,
      tokens: r.ids.length,
      finishReason: r.finishReason,
      vector: r.embedding,
      timings: { generateMs: r.timings.generateMs / prompts.length, embedMs: r.timings.embedMs / prompts.length },
    }));
  }

  async close(): Promise<void> {
    /* weights stay in kernel memory for the process: the engine exposes no unload yet */
  }

  private engineOptions(o: GenerationOptions) {
    return { maxTokens: o.maxTokens, temperature: o.temperature, topK: o.topK, topP: o.topP, seed: o.seed, stopTokens: this.stopTokens, signal: o.signal };
  }
}
