/**
 * Tensor data encodings of GGUF: f32, f16, bf16 and the block formats q8_0 and q4_0. Quantisation
 * follows ggml's reference routines (quantize_row_q8_0_ref / quantize_row_q4_0_ref) operation by
 * operation in f32 arithmetic (Math.fround), so our bytes equal llama.cpp's for the same input.
 */
import { T1Error } from "../../util/errors.js";
import { GGML_BLOCK, GGML_TYPE_NAMES, GgmlType } from "./constants.js";
import { decodeBf16, decodeF16, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from "./half.js";

const fr = Math.fround;

/** Bytes that `n` elements of `type` occupy; block types need n to be a multiple of 32. */
export function tensorByteSize(type: GgmlType, n: number): number {
  const b = GGML_BLOCK[type];
  if (!b) throw new T1Error("UNSUPPORTED", `ggml type ${GGML_TYPE_NAMES[type] ?? type} is not supported`);
  if (n % b.elements !== 0) {
    throw new T1Error("UNSUPPORTED", `${GGML_TYPE_NAMES[type]} needs a multiple of ${b.elements} elements per row, got ${n}`);
  }
  return (n / b.elements) * b.bytes;
}

/** C's roundf: halves go away from zero (Math.round sends -2.5 to -2). */
function roundf(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** q8_0: per block of 32, scale d = max|x|/127 stored as f16, then q = roundf(x / d) as int8. */
export function quantizeQ8_0(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / 32;
  const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  for (let b = 0; b < nb; b++) {
    const base = b * 32;
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[base + j]!));
    const d = fr(amax / 127);
    const id = d ? fr(1 / d) : 0;
    const o = b * 34;
    view.setUint16(o, f32ToF16Bits(d), true);
    for (let j = 0; j < 32; j++) view.setInt8(o + 2 + j, roundf(fr(src[base + j]! * id)));
  }
}

export function dequantizeQ8_0(src: Uint8Array, dst: Float32Array): void {
  const nb = dst.length / 32;
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let b = 0; b < nb; b++) {
    const o = b * 34;
    const d = f16BitsToF32(view.getUint16(o, true));
    for (let j = 0; j < 32; j++) dst[b * 32 + j] = view.getInt8(o + 2 + j) * d;
  }
}

/**
 * q4_0: per block of 32, d = (the signed value of largest magnitude) / -8 as f16, nibbles
 * q = min(15, trunc(x/d + 8.5)); element j in the low nibble of byte j, element j+16 in the high one.
 */
export function quantizeQ4_0(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / 32;
  const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  for (let b = 0; b < nb; b++) {
    const base = b * 32;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = src[base + j]!;
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = fr(max / -8);
    const id = d ? fr(1 / d) : 0;
    const o = b * 18;
    view.setUint16(o, f32ToF16Bits(d), true);
    for (let j = 0; j < 16; j++) {
      // (int8_t) of a value in [0, 16.5) truncates toward zero, as the reference does.
      const x0 = Math.min(15, Math.trunc(fr(fr(src[base + j]! * id) + 8.5)));
      const x1 = Math.min(15, Math.trunc(fr(fr(src[base + 16 + j]! * id) + 8.5)));
      dst[o + 2 + j] = x0 | (x1 << 4);
    }
  }
}

export function dequantizeQ4_0(src: Uint8Array, dst: Float32Array): void {
  const nb = dst.length / 32;
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let b = 0; b < nb; b++) {
    const o = b * 18;
    const d = f16BitsToF32(view.getUint16(o, true));
    for (let j = 0; j < 16; j++) {
      const q = src[o + 2 + j]!;
      dst[b * 32 + j] = ((q & 0x0f) - 8) * d;
      dst[b * 32 + j + 16] = ((q >> 4) - 8) * d;
    }
  }
}

/** Encodes f32 values as `type`; the result is a fresh byte array of tensorByteSize(type, n). */
export function encodeTensorData(type: GgmlType, src: Float32Array): Uint8Array {
  const out = new Uint8Array(tensorByteSize(type, src.length));
  switch (type) {
    case GgmlType.F32:
      out.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
      break;
    case GgmlType.F16: {
      const u16 = new Uint16Array(out.buffer);
      for (let i = 0; i < src.length; i++) u16[i] = f32ToF16Bits(src[i]!);
      break;
    }
    case GgmlType.BF16: {
      const u16 = new Uint16Array(out.buffer);
      for (let i = 0; i < src.length; i++) u16[i] = f32ToBf16Bits(src[i]!);
      break;
    }
    case GgmlType.Q8_0:
      quantizeQ8_0(src, out);
      break;
    case GgmlType.Q4_0:
      quantizeQ4_0(src, out);
      break;
  }
  return out;
}

/** Decodes `n` elements of `type` from `bytes` into `dst` (f32). */
export function decodeTensorData(type: GgmlType, bytes: Uint8Array, dst: Float32Array): void {
  const need = tensorByteSize(type, dst.length);
  if (bytes.length < need) throw new T1Error("INTERNAL", `decode: ${need} bytes needed, ${bytes.length} given`);
  // Typed views need aligned offsets; copy when the source is not aligned.
  const aligned = (k: number) => (bytes.byteOffset % k === 0 ? bytes : bytes.slice(0, need));
  switch (type) {
    case GgmlType.F32: {
      const b = aligned(4);
      dst.set(new Float32Array(b.buffer, b.byteOffset, dst.length));
      break;
    }
    case GgmlType.F16: {
      const b = aligned(2);
      decodeF16(new Uint16Array(b.buffer, b.byteOffset, dst.length), dst);
      break;
    }
    case GgmlType.BF16: {
      const b = aligned(2);
      decodeBf16(new Uint16Array(b.buffer, b.byteOffset, dst.length), dst);
      break;
    }
    case GgmlType.Q8_0:
      dequantizeQ8_0(bytes, dst);
      break;
    case GgmlType.Q4_0:
      dequantizeQ4_0(bytes, dst);
      break;
    default:
      throw new T1Error("UNSUPPORTED", `ggml type ${GGML_TYPE_NAMES[type] ?? type} is not supported`);
  }
}
