import { test } from "node:test";
import assert from "node:assert/strict";
import { JsKernels } from "../../src/engine/kernels/js-kernels.js";
import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from "../../src/engine/kernels/shapes.js";
import { checkAllMatmuls } from "./kernels/reference.js";

test("js kernels match a float64 reference at awkward shapes", () => {
  checkAllMatmuls(new JsKernels(), [1, 2, 3, 5, 17, 64], { outside: false });
});

test("f16 conversion round-trips and rounds to nearest even", () => {
  for (let h = 0; h < 65536; h++) {
    const v = f16BitsToF32(h);
    if (Number.isNaN(v)) continue;
    assert.equal(f32ToF16Bits(v), h, `half bits ${h.toString(16)}`);
  }
  assert.equal(f16BitsToF32(0x3c00), 1);
  assert.equal(f16BitsToF32(0x7bff), 65504);
  assert.equal(f32ToF16Bits(65520), 0x7c00); // rounds up past the largest finite half
  assert.equal(f32ToF16Bits(1 + 2 ** -11), 0x3c00); // tie goes to even mantissa
  assert.equal(f32ToF16Bits(1 + 3 * 2 ** -11), 0x3c02);
  assert.equal(f16BitsToF32(1), 2 ** -24);
  assert.ok(Number.isNaN(f16BitsToF32(f32ToF16Bits(NaN))));
});

test("bf16 conversion round-trips and rounds to nearest even", () => {
  for (let h = 0; h < 65536; h++) {
    const v = bf16BitsToF32(h);
    if (Number.isNaN(v)) continue;
    assert.equal(f32ToBf16Bits(v), h, `bf16 bits ${h.toString(16)}`);
  }
  assert.equal(bf16BitsToF32(0x3f80), 1);
  assert.equal(f32ToBf16Bits(1 + 2 ** -8), 0x3f80); // tie goes to the even mantissa
  assert.equal(f32ToBf16Bits(1 + 3 * 2 ** -8), 0x3f82);
  assert.equal(f32ToBf16Bits(1 + 2 ** -8 + 2 ** -20), 0x3f81); // above the tie rounds up
  assert.ok(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(NaN))));
  assert.equal(bf16BitsToF32(f32ToBf16Bits(-Infinity)), -Infinity);
});

test("bad shapes raise BAD_INPUT naming the array", () => {
  const k = new JsKernels();
  assert.throws(() => k.matmulTransB(new Float32Array(4), new Float32Array(3), new Float32Array(4), 2, 2, 2), /matmulTransB: a has 3 elements/);
  assert.throws(() => k.matmul(new Float32Array(4), new Float32Array(4), new Float32Array(4), 2, 2, -1), /N must be a non-negative integer/);
});
