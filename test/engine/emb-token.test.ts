import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addEmbToken } from "../../src/engine/emb-token.js";
import { loadModel } from "../../src/engine/model.js";
import { readSafetensors } from "../../src/engine/safetensors.js";
import { needShared } from "../helpers/shared.js";

const FIX = join(import.meta.dirname, "..", "fixtures", "engine");

test("addEmbToken on stories260k: new id, mean-embedding row, tokenizer and config updated, old logits kept", async (t) => {
  const p = needShared("models", "stories260k");
  if (typeof p !== "string") return t.skip(p.skip);
  const out = mkdtempSync(join(tmpdir(), "emb-"));
  const r = await addEmbToken(p, out);
  assert.deepEqual(r, { id: 512, added: true, vocabSize: 513 });
  const w = await readSafetensors(out);
  const e = w.get("model.embed_tokens.weight")!;
  assert.deepEqual(e.shape, [513, 64]);
  let mean0 = 0;
  for (let i = 0; i < 512; i++) mean0 += e.data[i * 64]!;
  assert.ok(Math.abs(e.data[512 * 64]! - mean0 / 512) < 1e-6);
  const m = await loadModel(out);
  assert.equal(m.embTokenId, 512);
  const ids = m.encode("Lily saw a cat<emb_token>");
  assert.equal(ids.at(-1), 512);
  const [v] = await m.embed(["Lily saw a cat"]);
  assert.equal(v!.length, 64);
  const orig = await loadModel(p);
  const a = orig.logits([[1, 403, 407]])[0]!;
  const b = m.logits([[1, 403, 407]])[0]!;
  for (let i = 0; i < 512; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-5);
});

test("addEmbToken is a copy when the token exists", async () => {
  const out = mkdtempSync(join(tmpdir(), "emb-"));
  const r = await addEmbToken(join(FIX, "tiny-qwen3"), out);
  assert.deepEqual(r, { id: 511, added: false, vocabSize: 512 });
  await assert.rejects(addEmbToken(join(FIX, "tiny-qwen3"), join(FIX, "tiny-qwen3")), /must differ/);
});
