/**
 * Batched autoregressive generation over one KV cache: all prompts are prefilled in one packed
 * forward, then every step feeds one token per still-running row. Per-step buffers live in the
 * transformer's reused scratch; nothing model-sized is allocated in the decode loop.
 */
import { T1Error } from "../util/errors.js";
import type { KVCache } from "./kv-cache.js";
import { Sampler, checkSampling, type SamplingOptions } from "./sampling.js";
import type { BatchEntry, Transformer } from "./transformer.js";

export interface GenerateOptions extends SamplingOptions {
  /** Most new tokens per sequence. Default 256: bounds time and cache memory (the cache is sized
   * prompt + maxTokens up front). */
  maxTokens?: number;
  /** Most prompt tokens per prefill pass. Default 2048: bounds activation memory when many or
   * long prompts start together; larger passes run slightly bigger, faster matmuls. */
  prefillTokens?: number;
  /** Prefill each distinct prompt once and copy its KV cache to the rows that repeat it (GRPO
   * samples several trajectories of one prompt). Default true; identical results either way. */
  sharePrompts?: boolean;
  /** Ids that end a sequence (not included in its output, not fed to the cache). Default: the
   * model's eos ids from config.json / generation_config.json / tokenizer_config.json. */
  stopTokens?: readonly number[];
}

export type FinishReason = "stop" | "length";

export interface TokenEvent {
  row: number;
  token: number;
  /** 0-based index of this token in the row's output. */
  index: number;
}

export interface EndEvent {
  row: number;
  finishReason: FinishReason;
}

/** One batch of generations. `steps()` drives it; afterwards `cache` holds prompt + output of
 * every row (the stop token excluded), ready for more tokens such as `<emb_token>`. */
export class BatchGeneration {
  readonly cache: KVCache;
  readonly outputs: number[][];
  readonly finish: (FinishReason | undefined)[];
  private readonly samplers: Sampler[];
  private readonly stop: Set<number>;
  private readonly maxTokens: number;
  private readonly fillCache: boolean;
  private readonly prefillTokens: number;
  private readonly sharePrompts: boolean;

  /** `reserve`: extra cache slots per row after the output (1 for a trailing `<emb_token>`). */
  constructor(private readonly tf: Transformer, private readonly prompts: readonly (readonly number[])[], opts: GenerateOptions, defaultStops: readonly number[], reserve = 0) {
    checkSampling(opts);
    this.maxTokens = opts.maxTokens ?? 256;
    this.fillCache = reserve > 0;
    this.prefillTokens = opts.prefillTokens ?? 2048;
    this.sharePrompts = opts.sharePrompts ?? true;
    if (!Number.isInteger(this.prefillTokens) || this.prefillTokens < 1) throw new T1Error("BAD_INPUT", `prefillTokens must be a positive integer, got ${opts.prefillTokens}`);
    if (!Number.isInteger(this.maxTokens) || this.maxTokens < 0) throw new T1Error("BAD_INPUT", `maxTokens must be a non-negative integer, got ${opts.maxTokens}`);
    if (prompts.length === 0) throw new T1Error("BAD_INPUT", "generate needs at least one prompt");
    prompts.forEach((p, i) => {
      if (p.length === 0) throw new T1Error("BAD_INPUT", `prompt ${i} is empty (give at least one token, e.g. BOS)`);
    });
    this.stop = new Set(opts.stopTokens ?? defaultStops);
    const V = tf.cfg.vocabSize;
    this.samplers = prompts.map((_, i) => new Sampler(opts, V, i));
    const longest = Math.max(...prompts.map((p) => p.length));
    this.cache = tf.createCache(prompts.length, longest + this.maxTokens + reserve);
    this.outputs = prompts.map(() => []);
    this.finish = prompts.map(() => undefined);
  }

  /**
   * Prefills every prompt in passes of at most `prefillTokens` tokens (a long prompt is split
   * across passes: the cache simply grows), keeping each row's logits after its last prompt token.
   */
  private prefill(wantLogits: boolean): Float32Array {
    const V = this.tf.cfg.vocabSize;
    const first = new Float32Array(wantLogits ? this.prompts.length * V : 0);
    let pass: { entry: BatchEntry; ends: boolean }[] = [];
    let used = 0;
    const run = () => {
      if (!pass.length) return;
      const mode = wantLogits ? "last" : "none";
      const r = this.tf.forward(this.cache, pass.map((p) => p.entry), { logits: mode });
      if (wantLogits) {
        pass.forEach((p, b) => {
          if (p.ends) first.set(r.logits.subarray(b * V, (b + 1) * V), p.entry.row * V);
        });
      }
      pass = [];
      used = 0;
    };
    // Rows whose prompt repeats an earlier row's: filled by copying that row after the passes.
    const firstRowOf = new Map<string, number>();
    const copies: [number, number][] = [];
    this.prompts.forEach((tokens, row) => {
      if (this.sharePrompts) {
        const key = tokens.join(",");
        const src = firstRowOf.get(key);
        if (src !== undefined) {
          copies.push([src, row]);
          return;
        }
        firstRowOf.set(key, row);
      }
      for (let start = 0; start < tokens.length; ) {
        if (used >= this.prefillTokens) run();
        const take = Math.min(tokens.length - start, this.prefillTokens - used);
        pass.push({ entry: { row, tokens: tokens.slice(start, start + take) }, ends: start + take === tokens.length });
        used += take;
        start += take;
        // A row appears at most once per pass: its next piece goes into the next pass.
        if (start < tokens.length) run();
      }
    });
    run();
    for (const [src, dst] of copies) {
      this.cache.copyRow(src, dst);
      if (wantLogits) first.copyWithin(dst * V, src * V, (src + 1) * V);
    }
    return first;
  }

  /** Runs the batch; yields one event per generated token or finished row. */
  *steps(): Generator<TokenEvent | EndEvent> {
    const V = this.tf.cfg.vocabSize;
    if (this.maxTokens === 0) {
      if (this.fillCache) this.prefill(false);
      for (let row = 0; row < this.prompts.length; row++) {
        this.finish[row] = "length";
        yield { row, finishReason: "length" };
      }
      return;
    }
    // Logits of the current step, one row per entry of `batch`.
    let logits = this.prefill(true);
    let batch: BatchEntry[] = this.prompts.map((_, row) => ({ row, tokens: [] }));
    // One reusable single-token entry per row: the decode loop allocates no buffers per token.
    const one = this.prompts.map(() => [0]);
    const entry: BatchEntry[] = this.prompts.map((_, row) => ({ row, tokens: one[row]! }));
    for (;;) {
      const next: BatchEntry[] = [];
      const events: (TokenEvent | EndEvent)[] = [];
      const flush: BatchEntry[] = [];
      for (let b = 0; b < batch.length; b++) {
        const row = batch[b]!.row;
        const token = this.samplers[row]!.sample(logits, b * V, V);
        if (this.stop.has(token)) {
          this.finish[row] = "stop";
          events.push({ row, finishReason: "stop" });
          continue;
        }
        const out = this.outputs[row]!;
        out.push(token);
        events.push({ row, token, index: out.length - 1 });
        if (out.length >= this.maxTokens) {
          this.finish[row] = "length";
          if (this.fillCache) {
            one[row]![0] = token;
            flush.push(entry[row]!);
          }
          events.push({ row, finishReason: "length" });
          continue;
        }
        one[row]![0] = token;
        next.push(entry[row]!);
      }
      // Rows cut off by maxTokens still feed their last token when the cache will be extended.
      if (flush.length) this.tf.forward(this.cache, flush, { logits: "none" });
      yield* events;
      if (!next.length) return;
      batch = next;
      logits = this.tf.forward(this.cache, batch, { logits: "last" }).logits;
    }
  }

  /** Runs to completion without events. */
  runToEnd(): void {
    for (const _ of this.steps()) void _;
  }
}
