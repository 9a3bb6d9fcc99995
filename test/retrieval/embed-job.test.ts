import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NativeBackend } from "../../src/backends/native.js";
import { embedToFile } from "../../src/retrieval/embed-job.js";
import { readNpyF32 } from "../../src/engine/npy.js";

const FIX = join(import.meta.dirname, "..", "fixtures", "engine");
const dir = mkdtempSync(join(tmpdir(), "job-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("embedToFile resumes after a crash without recomputing saved chunks, and a new job key or setting starts over", async () => {
  const backend = await NativeBackend.open({ model: join(FIX, "tiny-qwen3") });
  const rows = ["the sky", "the sea is salty", "a theorem", "heat moves", "cells divide"].map((text, i) => ({ id: `d${i}`, text }));
  const out = join(dir, "v.npy");
  await assert.rejects(
    embedToFile(backend, rows, out, { jobKey: "k1", chunk: 2, onChunk: (c) => { if (c === 1) throw new Error("killed"); } }),
    /killed/,
  );
  assert.ok(!existsSync(out) && existsSync(out + ".parts"));
  const computed: boolean[] = [];
  const r = await embedToFile(backend, rows, out, { jobKey: "k1", chunk: 2, onChunk: (_, c) => computed.push(c) });
  assert.deepEqual(computed, [false, false, true]);
  assert.deepEqual(r, { count: 5, dims: 64, instruction: "", maxLength: 512 }, "defaults from the backend's format (no t1_format.json)");
  assert.ok(!existsSync(out + ".parts"));
  const { shape, data } = readNpyF32(out);
  assert.deepEqual(shape, [5, 64]);
  const ref = await backend.embedTexts(rows.map((row) => row.text));
  for (let i = 0; i < 5; i++) for (let j = 0; j < 64; j++) assert.ok(Math.abs(data[i * 64 + j]! - ref[i]![j]!) < 1e-5);
  // Parts from another job are discarded.
  await assert.rejects(embedToFile(backend, rows, out, { jobKey: "k2", chunk: 2, onChunk: (c) => { if (c === 0) throw new Error("killed"); } }), /killed/);
  const again: boolean[] = [];
  await embedToFile(backend, rows, out, { jobKey: "k3", chunk: 2, onChunk: (_, c) => again.push(c) });
  assert.deepEqual(again, [true, true, true], "chunk 0 saved under k2 must not be reused by k3");
  // ... and so are parts made with another document cut.
  await assert.rejects(embedToFile(backend, rows, out, { jobKey: "k5", chunk: 2, maxLength: 3, onChunk: (c) => { if (c === 0) throw new Error("killed"); } }), /killed/);
  const cut: boolean[] = [];
  await embedToFile(backend, rows, out, { jobKey: "k5", chunk: 2, onChunk: (_, c) => cut.push(c) });
  assert.deepEqual(cut, [true, true, true], "chunk 0 cut at 3 tokens must not be reused at 512");
  await embedToFile(backend, rows, out.replace(".npy", ".jsonl"), { jobKey: "k4", chunk: 2, normalize: true });
  const lines = readFileSync(out.replace(".npy", ".jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; embedding: number[] });
  assert.equal(lines[3]!.id, "d3");
  assert.ok(Math.abs(Math.hypot(...lines[3]!.embedding) - 1) < 1e-5);
  await assert.rejects(embedToFile(backend, rows, join(dir, "v.txt"), { jobKey: "k6" }), /must end in \.npy or \.jsonl/);
});
