/**
 * On-disk cache of generated reasoning, keyed by model, prompt and generation parameters, so a
 * rerun (another index, another k, a crash) never pays for generation twice. Each entry also keeps
 * the query vector read from the generation's own KV cache, so a cached query embeds exactly as it
 * did the first time.
 *
 * Format: JSON lines appended to one file and fsynced per batch. A crash can only cut the last line,
 * which is ignored on load.
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { sha256 } from "../index/manifest.js";

export interface ReasoningKey {
  model: string;
  prompt: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  seed: number;
}

export interface CachedReasoning {
  text: string;
  tokens: number;
  finishReason: "stop" | "length";
  /** The unnormalised query vector from the same generation. */
  vector?: Float32Array;
}

interface Line {
  key: string;
  text: string;
  tokens: number;
  finishReason: "stop" | "length";
  vector?: string;
}

export class ReasoningCache {
  private readonly entries = new Map<string, CachedReasoning>();
  /** Entries read from disk at open; the rest were added in this session. */
  readonly loaded: number;
  hits = 0;
  misses = 0;
  /** The file ends in a torn line: the next append starts a fresh line. */
  private torn = false;

  constructor(readonly path: string) {
    if (existsSync(path)) {
      const text = readFileSync(path, "utf8");
      this.torn = text.length > 0 && !text.endsWith("\n");
      for (const raw of text.split("\n")) {
        if (!raw) continue;
        let l: Line;
        try {
          l = JSON.parse(raw) as Line;
        } catch {
          continue; // the torn last line of a crashed append
        }
        this.entries.set(l.key, {
          text: l.text,
          tokens: l.tokens,
          finishReason: l.finishReason,
          vector: l.vector ? decodeVector(l.vector) : undefined,
        });
      }
    }
    this.loaded = this.entries.size;
  }

  static keyOf(k: ReasoningKey): string {
    return sha256(JSON.stringify([k.model, k.prompt, k.maxTokens, k.temperature, k.topP, k.topK, k.seed]));
  }

  get size(): number {
    return this.entries.size;
  }

  get(k: ReasoningKey): CachedReasoning | undefined {
    const e = this.entries.get(ReasoningCache.keyOf(k));
    if (e) this.hits++;
    else this.misses++;
    return e;
  }

  /** Appends entries and fsyncs, so they survive a crash right after. */
  putMany(items: readonly { key: ReasoningKey; value: CachedReasoning }[]): void {
    if (!items.length) return;
    const lines = items.map(({ key, value }) => {
      const k = ReasoningCache.keyOf(key);
      this.entries.set(k, value);
      const line: Line = { key: k, text: value.text, tokens: value.tokens, finishReason: value.finishReason };
      if (value.vector) line.vector = encodeVector(value.vector);
      return JSON.stringify(line) + "\n";
    });
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, (this.torn ? "\n" : "") + lines.join(""));
    this.torn = false;
    const fd = openSync(this.path, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

function encodeVector(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
}

function decodeVector(s: string): Float32Array {
  const b = Buffer.from(s, "base64");
  const out = new Float32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}
