import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GgmlType, GgufValueType } from "../../src/engine/gguf/constants.js";
import { gguf, GgufWriter } from "../../src/engine/gguf/writer.js";
import { readGgufHeader, readGgufTensor } from "../../src/engine/gguf/reader.js";
import { encodeTensorData } from "../../src/engine/gguf/quant.js";
import { f16BitsToF32, f32ToF16Bits } from "../../src/engine/gguf/half.js";
import { T1Error } from "../../src/util/errors.js";
import { numpyPython } from "./gguf-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "t1-gguf-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** Deterministic test values spanning magnitudes, exact halves, zeros and an all-zero block. */
function testValues(n: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const block = Math.floor(i / 32);
    if (block === 1) out[i] = 0; // all-zero block: scale 0
    else if (block === 2) out[i] = ((i % 32) - 16) * 0.5; // exact .5 multiples after scaling
    else if (block === 3) out[i] = (rnd() - 0.5) * 1e-6; // f16 subnormal scales
    else out[i] = (rnd() - 0.5) * 10 ** Math.floor(rnd() * 6 - 3);
  }
  return out;
}

test("metadata of every type round-trips and an independent parser (node-llama-cpp) reads the same", async () => {
  const path = join(dir, "meta.gguf");
  const w = new GgufWriter();
  w.set("t.u8", { type: GgufValueType.UINT8, value: 200 })
    .set("t.i8", { type: GgufValueType.INT8, value: -100 })
    .set("t.u16", { type: GgufValueType.UINT16, value: 65000 })
    .set("t.i16", { type: GgufValueType.INT16, value: -32000 })
    .set("t.u32", gguf.u32(4000000000))
    .set("t.i32", gguf.i32(-2000000000))
    .set("t.f32", gguf.f32(0.1))
    .set("t.f64", gguf.f64(0.1))
    .set("t.bool", gguf.bool(true))
    .set("t.str", gguf.str("héllo ▁ 🎉"))
    .set("t.u64", gguf.u64(2n ** 40n + 3n))
    .set("t.i64", { type: GgufValueType.INT64, value: -(2n ** 40n) })
    .set("t.strs", gguf.arr(GgufValueType.STRING, ["a", "", "<emb_token>", "Ġthe"]))
    .set("t.i32s", gguf.arr(GgufValueType.INT32, [1, -2, 3]))
    .set("t.f32s", gguf.arr(GgufValueType.FLOAT32, [0.5, -1.25]))
    .set("t.bools", gguf.arr(GgufValueType.BOOL, [true, false]));
  w.addTensor("x", [2, 32], GgmlType.F32, () => testValues(64));
  await w.write(path);
  const f = readGgufHeader(path);
  const v = (k: string) => f.metadata.get(k)?.value;
  assert.equal(f.version, 3);
  assert.equal(v("t.u8"), 200);
  assert.equal(v("t.i8"), -100);
  assert.equal(v("t.u16"), 65000);
  assert.equal(v("t.i16"), -32000);
  assert.equal(v("t.u32"), 4000000000);
  assert.equal(v("t.i32"), -2000000000);
  assert.equal(v("t.f32"), Math.fround(0.1));
  assert.equal(v("t.f64"), 0.1);
  assert.equal(v("t.bool"), true);
  assert.equal(v("t.str"), "héllo ▁ 🎉");
  assert.equal(v("t.u64"), 2n ** 40n + 3n);
  assert.equal(v("t.i64"), -(2n ** 40n));
  assert.deepEqual(v("t.strs"), ["a", "", "<emb_token>", "Ġthe"]);
  assert.deepEqual(v("t.i32s"), [1, -2, 3]);
  assert.deepEqual(v("t.f32s"), [0.5, -1.25]);
  assert.deepEqual(v("t.bools"), [true, false]);
  assert.equal(f.metadata.get("t.strs")?.itemType, GgufValueType.STRING);

  const { readGgufFileInfo } = await import("node-llama-cpp").catch(() => ({ readGgufFileInfo: undefined }));
  if (!readGgufFileInfo) return;
  const info = await readGgufFileInfo(path, { logWarnings: false });
  const m = info.metadata as unknown as { t: Record<string, unknown> };
  assert.equal(m.t.u32, 4000000000);
  assert.equal(m.t.i8, -100);
  assert.equal(m.t.str, "héllo ▁ 🎉");
  assert.deepEqual(m.t.strs, ["a", "", "<emb_token>", "Ġthe"]);
  assert.equal(BigInt(m.t.u64 as bigint), 2n ** 40n + 3n);
  assert.equal(info.tensorInfo?.[0]?.name, "x");
  assert.deepEqual(info.tensorInfo?.[0]?.dimensions.map(Number), [32, 2]);
});

test("tensors: f32 and bf16/f16-representable values round-trip exactly; offsets honour the alignment", async () => {
  const path = join(dir, "tensors.gguf");
  const w = new GgufWriter({ alignment: 64 });
  const a = testValues(96 * 3, 2);
  const h = Float32Array.from(a, (x) => f16BitsToF32(f32ToF16Bits(x)));
  const b = Float32Array.from(a, (x) => {
    const u = new Uint32Array(Float32Array.of(x).buffer)[0]! & 0xffff0000;
    return new Float32Array(Uint32Array.of(u).buffer)[0]!;
  });
  w.addTensor("a.f32", [3, 96], GgmlType.F32, () => a);
  w.addTensor("odd.f32", [7], GgmlType.F32, () => a.subarray(0, 7));
  w.addTensor("h.f16", [3, 96], GgmlType.F16, () => h);
  w.addTensor("b.bf16", [3, 96], GgmlType.BF16, () => b);
  await w.write(path);
  const f = readGgufHeader(path);
  assert.equal(f.alignment, 64);
  for (const t of f.tensors.values()) assert.equal(t.fileOffset % 64, 0, `${t.name} at ${t.fileOffset}`);
  assert.deepEqual(f.tensors.get("a.f32")?.shape, [3, 96]);
  assert.deepEqual(readGgufTensor(f, "a.f32"), a);
  assert.deepEqual(readGgufTensor(f, "odd.f32"), a.subarray(0, 7));
  assert.deepEqual(readGgufTensor(f, "h.f16"), h);
  assert.deepEqual(readGgufTensor(f, "b.bf16"), b);
  const { readGgufFileInfo } = await import("node-llama-cpp").catch(() => ({ readGgufFileInfo: undefined }));
  if (!readGgufFileInfo) return;
  const info = await readGgufFileInfo(path, { logWarnings: false });
  for (const t of info.tensorInfo ?? []) assert.equal(Number(t.fileOffset), f.tensors.get(t.name)?.fileOffset, t.name);
});

test("f16, q8_0 and q4_0 bytes equal a numpy transcription of ggml's reference quantisers", (t) => {
  const py = numpyPython();
  if (!py) return t.skip("/usr/bin/python3 with numpy is absent; skipping");
  const x = testValues(32 * 64, 3);
  const inPath = join(dir, "x.f32");
  writeFileSync(inPath, x);
  const script = `
import numpy as np, sys
x = np.fromfile(sys.argv[1], dtype=np.float32)
def roundf(v):  # C roundf: halves away from zero
    a = np.abs(v); f = np.floor(a); return np.sign(v) * (f + np.floor(2 * (a - f)))
b = x.reshape(-1, 32)
d = (np.abs(b).max(axis=1, keepdims=True) / np.float32(127)).astype(np.float32)
with np.errstate(divide="ignore"):
    idd = np.where(d == 0, np.float32(0), np.float32(1) / d).astype(np.float32)
q = roundf((b * idd).astype(np.float32)).astype(np.int8)
q8 = np.concatenate([d.astype(np.float16).view(np.uint8), q.view(np.uint8)], axis=1)
imax = np.argmax(np.abs(b), axis=1)
mx = b[np.arange(len(b)), imax][:, None]
d4 = (mx / np.float32(-8)).astype(np.float32)
with np.errstate(divide="ignore"):
    id4 = np.where(d4 == 0, np.float32(0), np.float32(1) / d4).astype(np.float32)
qq = np.minimum(15, np.trunc((b * id4).astype(np.float32) + np.float32(8.5))).astype(np.uint8)
q4 = np.concatenate([d4.astype(np.float16).view(np.uint8), qq[:, :16] | (qq[:, 16:] << 4)], axis=1)
sys.stdout.buffer.write(x.astype(np.float16).tobytes() + q8.tobytes() + q4.tobytes())
`;
  const r = spawnSync(py, ["-c", script, inPath], { maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, r.stderr?.toString());
  const ref = new Uint8Array(r.stdout);
  const f16 = encodeTensorData(GgmlType.F16, x);
  const q8 = encodeTensorData(GgmlType.Q8_0, x);
  const q4 = encodeTensorData(GgmlType.Q4_0, x);
  assert.equal(ref.length, f16.length + q8.length + q4.length);
  assert.deepEqual(f16, ref.subarray(0, f16.length));
  assert.deepEqual(q8, ref.subarray(f16.length, f16.length + q8.length));
  assert.deepEqual(q4, ref.subarray(f16.length + q8.length));
});

test("q8_0 and q4_0 dequantise within the quantisation bound", async () => {
  const path = join(dir, "q.gguf");
  const x = testValues(32 * 40, 4);
  const w = new GgufWriter();
  w.addTensor("q8", [40, 32], GgmlType.Q8_0, () => x);
  w.addTensor("q4", [20, 64], GgmlType.Q4_0, () => x);
  await w.write(path);
  const f = readGgufHeader(path);
  const y8 = readGgufTensor(f, "q8");
  const y4 = readGgufTensor(f, "q4");
  for (let b = 0; b < 40; b++) {
    const blk = x.subarray(b * 32, b * 32 + 32);
    const amax = Math.max(...Array.from(blk, Math.abs));
    const d = amax / 127;
    const d16 = f16BitsToF32(f32ToF16Bits(d));
    const bound8 = d16 / 2 + 127 * Math.abs(d16 - d) + 1e-12;
    const d4 = amax / 8;
    const bound4 = f16BitsToF32(f32ToF16Bits(d4)) * 1.01 + 1e-12; // worst case: the clamped +8 end
    for (let j = 0; j < 32; j++) {
      const i = b * 32 + j;
      assert.ok(Math.abs(x[i]! - y8[i]!) <= bound8, `q8 block ${b}[${j}]: ${x[i]} vs ${y8[i]}`);
      assert.ok(Math.abs(x[i]! - y4[i]!) <= bound4, `q4 block ${b}[${j}]: ${x[i]} vs ${y4[i]}`);
    }
  }
});

test("bad files give clear errors: magic, version, truncation, unknown value type, unknown tensor type", async () => {
  const good = join(dir, "good.gguf");
  const w = new GgufWriter();
  w.set("k", gguf.u32(7));
  w.addTensor("w", [2, 32], GgmlType.F32, () => testValues(64));
  await w.write(good);
  const bytes = readFileSync(good);
  const variant = (name: string, edit: (b: Buffer) => Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, edit(Buffer.from(bytes)));
    return p;
  };
  const expectErr = (p: string, code: string, re: RegExp) =>
    assert.throws(() => readGgufHeader(p), (e: unknown) => e instanceof T1Error && e.code === code && re.test(e.message) && e.message.includes(p));
  expectErr(variant("magic.gguf", (b) => (b.write("GGML", 0, "latin1"), b)), "BAD_INPUT", /not a GGUF file: magic is "GGML"/);
  expectErr(variant("version.gguf", (b) => (b.writeUInt32LE(9, 4), b)), "UNSUPPORTED", /version 9/);
  expectErr(variant("trunc.gguf", (b) => b.subarray(0, b.length - 100)), "BAD_INPUT", /truncated GGUF file: tensor "w"/);
  expectErr(variant("trunc-header.gguf", (b) => b.subarray(0, 30)), "BAD_INPUT", /truncated GGUF file: .*reading/);
  // KV: key "k" (8-byte length + 1 byte) starts at 24, its value type follows at 33.
  expectErr(variant("vtype.gguf", (b) => (b.writeUInt32LE(99, 33), b)), "BAD_INPUT", /unknown GGUF value type 99.*field "k"/);
  // Tensor info after the KV (24 + 9 + 4 + 4 = 41): name (8+1), n_dims, 2 dims, then the type.
  expectErr(variant("ttype.gguf", (b) => (b.writeUInt32LE(12, 41 + 9 + 4 + 16), b)), "UNSUPPORTED", /tensor "w" has ggml type Q4_K/);
  assert.throws(() => readGgufHeader(join(dir, "absent.gguf")), (e: unknown) => e instanceof T1Error && e.code === "NOT_FOUND");
});
