/**
 * Parity with float64 PyTorch goldens (scripts/golden/engine_golden.py): logits and final-norm
 * hidden states of every position, for single sequences and for all of them packed in one batch.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getKernels } from "../../src/engine/kernels/index.js";
import { loadCheckpoint } from "../../src/engine/weight-source.js";
import { Transformer } from "../../src/engine/transformer.js";
import { needShared } from "../helpers/shared.js";

const FIX = join(import.meta.dirname, "..", "fixtures", "engine");
const ROOT = join(import.meta.dirname, "..", "..");

interface Golden {
  model: string;
  /** config.json fields to patch in (on a temporary copy of the model). */
  configOverrides?: Record<string, unknown>;
  rows: { ids: number[]; logits: number[][]; hidden: number[][] }[];
}

function maxAbsDiff(a: ArrayLike<number>, b: number[][], width: number): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) for (let j = 0; j < width; j++) m = Math.max(m, Math.abs(a[i * width + j]! - b[i]![j]!));
  return m;
}

/** Fixtures whose head_dim differs from hidden_size / heads, as in real Qwen3 (checked below). */
const WIDE_HEADS = new Set(["tiny-qwen3", "tiny-llama-hd"]);

for (const name of ["tiny-qwen3", "tiny-qwen2", "tiny-llama", "tiny-llama-hd", "tiny-llama-rope-llama3", "tiny-llama-rope-linear", "stories260k"]) {
  test(`golden parity: ${name}`, async (t) => {
    const gpath = join(FIX, `golden-${name}.json`);
    const g = JSON.parse(readFileSync(gpath, "utf8")) as Golden;
    // Models under ../shared resolve like every shared path (T1_SHARED_DIR honoured).
    const shared = g.model.startsWith("../shared/") ? needShared(...g.model.slice("../shared/".length).split("/")) : undefined;
    if (shared !== undefined && typeof shared !== "string") return t.skip(shared.skip);
    let dir = shared ?? join(ROOT, g.model);
    if (g.configOverrides && Object.keys(g.configOverrides).length) {
      const tmp = mkdtempSync(join(tmpdir(), "golden-"));
      cpSync(dir, tmp, { recursive: true });
      const cfg = JSON.parse(readFileSync(join(tmp, "config.json"), "utf8")) as Record<string, unknown>;
      writeFileSync(join(tmp, "config.json"), JSON.stringify({ ...cfg, ...g.configOverrides }));
      dir = tmp;
    }
    const kernels = getKernels();
    const ck = await loadCheckpoint(dir, (n) => kernels.alloc(n));
    const model = new Transformer(ck.config, ck.tensors, kernels);
    const V = ck.config.vocabSize, C = ck.config.hiddenSize;
    if (WIDE_HEADS.has(name)) {
      const raw = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { hidden_size: number; num_attention_heads: number; head_dim: number };
      assert.notEqual(raw.head_dim, raw.hidden_size / raw.num_attention_heads, `${name}: head_dim should differ from hidden/heads`);
    }
    // One sequence at a time.
    for (const row of g.rows) {
      const cache = model.createCache(1, row.ids.length);
      const r = model.forward(cache, [{ row: 0, tokens: row.ids }], { logits: "all" });
      assert.ok(maxAbsDiff(r.logits, row.logits, V) <= 1e-4, `${name} logits differ by ${maxAbsDiff(r.logits, row.logits, V)}`);
      assert.ok(maxAbsDiff(r.hidden, row.hidden, C) <= 1e-4, `${name} hidden differs by ${maxAbsDiff(r.hidden, row.hidden, C)}`);
      cache.free();
    }
    // All sequences in one batch, rows given in reverse order to catch row/offset mix-ups.
    const maxLen = Math.max(...g.rows.map((r) => r.ids.length));
    const cache = model.createCache(g.rows.length, maxLen);
    const batch = g.rows.map((r, i) => ({ row: g.rows.length - 1 - i, tokens: r.ids }));
    const r = model.forward(cache, batch, { logits: "all" });
    g.rows.forEach((row, i) => {
      const off = r.offsets[i]!;
      const got = r.logits.subarray(off * V, (off + row.ids.length) * V);
      assert.ok(maxAbsDiff(got, row.logits, V) <= 1e-4, `${name} batched row ${i} logits differ by ${maxAbsDiff(got, row.logits, V)}`);
    });
    cache.free();
  });
}
