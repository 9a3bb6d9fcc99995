import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readSafetensors, writeSafetensors, floatToHalf, halfToFloat, f32ToBf16 } from "../../src/engine/safetensors.js";
import { needShared } from "../helpers/shared.js";

/** Builds a safetensors file by hand (independent of writeSafetensors). */
function handMade(path: string, tensors: Record<string, { dtype: string; shape: number[]; bytes: Uint8Array }>): void {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const [k, v] of Object.entries(tensors)) {
    header[k] = { dtype: v.dtype, shape: v.shape, data_offsets: [off, off + v.bytes.length] };
    off += v.bytes.length;
  }
  const hb = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(hb.length));
  writeFileSync(path, Buffer.concat([len, hb, ...Object.values(tensors).map((t) => Buffer.from(t.bytes))]));
}

test("reads hand-made f32, f16 and bf16 tensors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "st-"));
  const f32 = new Float32Array([1.5, -2, 3.25, 0]);
  // 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, 2^-24 = 0x0001 in IEEE half.
  const f16 = new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001]);
  // bf16: 1.0 = 0x3f80, -0.5 = 0xbf00
  const bf = new Uint16Array([0x3f80, 0xbf00]);
  handMade(join(dir, "a.safetensors"), {
    w: { dtype: "F32", shape: [2, 2], bytes: new Uint8Array(f32.buffer) },
    h: { dtype: "F16", shape: [4], bytes: new Uint8Array(f16.buffer) },
    b: { dtype: "BF16", shape: [1, 2], bytes: new Uint8Array(bf.buffer) },
  });
  const m = await readSafetensors(join(dir, "a.safetensors"));
  assert.deepEqual([...m.get("w")!.data], [1.5, -2, 3.25, 0]);
  assert.deepEqual(m.get("w")!.shape, [2, 2]);
  assert.deepEqual([...m.get("h")!.data], [1, -2, 65504, 2 ** -24]);
  assert.deepEqual([...m.get("b")!.data], [1, -0.5]);
});

test("half and bfloat16 conversions round to nearest even", () => {
  assert.equal(floatToHalf(1), 0x3c00);
  assert.equal(floatToHalf(65504), 0x7bff);
  assert.equal(floatToHalf(1e6), 0x7c00);
  assert.equal(floatToHalf(2 ** -24), 0x0001);
  assert.equal(floatToHalf(1 + 2 ** -11), 0x3c00); // tie → even
  assert.equal(floatToHalf(1 + 3 * 2 ** -11), 0x3c02); // tie → even (up)
  assert.equal(halfToFloat(0x3555), 0.333251953125);
  assert.deepEqual([...f32ToBf16(new Float32Array([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8]))], [0x3f80, 0x3f80, 0x3f82]);
});

test("write/read roundtrip in f32, bf16 and f16, and sharded index", async () => {
  const dir = mkdtempSync(join(tmpdir(), "st-"));
  const t = new Map([
    ["x", { shape: [3], data: new Float32Array([0.1, -7.5, 1000]) }],
    ["y", { shape: [1, 1], data: new Float32Array([2]) }],
  ]);
  writeSafetensors(join(dir, "f.safetensors"), t, { format: "pt" });
  const back = await readSafetensors(join(dir, "f.safetensors"));
  assert.deepEqual([...back.get("x")!.data], [...t.get("x")!.data]);
  writeSafetensors(join(dir, "b.safetensors"), t, {}, { dtype: "BF16" });
  const b = await readSafetensors(join(dir, "b.safetensors"));
  assert.ok(Math.abs(b.get("x")!.data[0]! - 0.1) < 1e-3 && b.get("x")!.data[2] === 1000);
  writeSafetensors(join(dir, "h.safetensors"), t, {}, { dtype: "F16" });
  const h = await readSafetensors(join(dir, "h.safetensors"));
  assert.ok(Math.abs(h.get("x")!.data[0]! - 0.1) < 1e-4);
  // Sharded checkpoint: two files + index.
  const sd = join(dir, "sharded");
  mkdirSync(sd);
  writeSafetensors(join(sd, "model-00001-of-00002.safetensors"), new Map([["x", t.get("x")!]]));
  writeSafetensors(join(sd, "model-00002-of-00002.safetensors"), new Map([["y", t.get("y")!]]));
  writeFileSync(join(sd, "model.safetensors.index.json"), JSON.stringify({ weight_map: { x: "model-00001-of-00002.safetensors", y: "model-00002-of-00002.safetensors" } }));
  const s = await readSafetensors(sd);
  assert.deepEqual([...s.keys()].sort(), ["x", "y"]);
  assert.equal(s.get("y")!.data[0], 2);
});

test("bad files give clear errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "st-"));
  writeFileSync(join(dir, "bad.safetensors"), Buffer.from([255, 255, 0, 0, 0, 0, 0, 0, 1]));
  await assert.rejects(readSafetensors(join(dir, "bad.safetensors")), /header length/);
  handMade(join(dir, "i8.safetensors"), { q: { dtype: "I8", shape: [1], bytes: new Uint8Array([1]) } });
  await assert.rejects(readSafetensors(join(dir, "i8.safetensors")), /dtype I8/);
  await assert.rejects(readSafetensors(join(dir, "nope")), /no such file/);
});

test("reads the real stories260k checkpoint", async (t) => {
  const p = needShared("models", "stories260k");
  if (typeof p !== "string") return t.skip(p.skip);
  const m = await readSafetensors(p);
  assert.deepEqual(m.get("model.embed_tokens.weight")!.shape, [512, 64]);
});
