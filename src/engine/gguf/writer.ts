/**
 * GGUF v3 writer. Metadata and tensor infos are laid out first (their sizes are known from shapes
 * and types alone), then tensor data is produced, encoded and written one tensor at a time, so a
 * model is never held in memory as one buffer. The file appears atomically (temp file + rename).
 */
import { closeSync, fsyncSync, openSync, writeSync } from "node:fs";
import { T1Error } from "../../util/errors.js";
import { replaceViaTempAsync } from "../../util/atomic.js";
import { GGML_TYPE_NAMES, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, GgmlType, GgufValueType } from "./constants.js";
import { encodeTensorData, tensorByteSize } from "./quant.js";

/** A metadata value with its GGUF type spelled out (a JS number alone does not say u32 or f32). */
export type GgufValue =
  | { type: Exclude<GgufValueType, GgufValueType.ARRAY | GgufValueType.STRING | GgufValueType.BOOL | GgufValueType.UINT64 | GgufValueType.INT64>; value: number }
  | { type: GgufValueType.UINT64 | GgufValueType.INT64; value: bigint | number }
  | { type: GgufValueType.BOOL; value: boolean }
  | { type: GgufValueType.STRING; value: string }
  | { type: GgufValueType.ARRAY; itemType: GgufValueType; value: ArrayLike<number | string | boolean | bigint> };

export const gguf = {
  u32: (value: number): GgufValue => ({ type: GgufValueType.UINT32, value }),
  i32: (value: number): GgufValue => ({ type: GgufValueType.INT32, value }),
  u64: (value: number | bigint): GgufValue => ({ type: GgufValueType.UINT64, value }),
  f32: (value: number): GgufValue => ({ type: GgufValueType.FLOAT32, value }),
  f64: (value: number): GgufValue => ({ type: GgufValueType.FLOAT64, value }),
  bool: (value: boolean): GgufValue => ({ type: GgufValueType.BOOL, value }),
  str: (value: string): GgufValue => ({ type: GgufValueType.STRING, value }),
  arr: (itemType: GgufValueType, value: ArrayLike<number | string | boolean | bigint>): GgufValue => ({ type: GgufValueType.ARRAY, itemType, value }),
};

export interface GgufWriterOptions {
  /** Data alignment in bytes, recorded as `general.alignment` when not 32. Default 32 (ggml's
   * default; llama.cpp mmaps tensors in place, so it must be a multiple of 8). */
  alignment?: number;
}

interface PendingTensor {
  name: string;
  /** ggml order: ne[0] is the innermost (contiguous) dimension. */
  ne: number[];
  type: GgmlType;
  bytes: number;
  offset: number;
  produce: () => Float32Array | Promise<Float32Array>;
}

/** Collects metadata and tensors, then streams the file out with `write(path)`. */
export class GgufWriter {
  private readonly kv = new Map<string, GgufValue>();
  private readonly tensors: PendingTensor[] = [];
  private readonly alignment: number;

  constructor(opts: GgufWriterOptions = {}) {
    this.alignment = opts.alignment ?? GGUF_DEFAULT_ALIGNMENT;
    if (!Number.isInteger(this.alignment) || this.alignment <= 0 || this.alignment % 8 !== 0) {
      throw new T1Error("BAD_INPUT", `GGUF alignment must be a positive multiple of 8, got ${this.alignment}`);
    }
    if (this.alignment !== GGUF_DEFAULT_ALIGNMENT) this.kv.set("general.alignment", gguf.u32(this.alignment));
  }

  set(key: string, value: GgufValue): this {
    this.kv.set(key, value);
    return this;
  }

  /**
   * Adds a tensor. `shape` is row-major outermost-first (PyTorch order); it is stored reversed as
   * GGUF requires. `produce` is called once, during write, so weights load lazily.
   */
  addTensor(name: string, shape: readonly number[], type: GgmlType, produce: () => Float32Array | Promise<Float32Array>): this {
    if (this.tensors.some((t) => t.name === name)) throw new T1Error("INTERNAL", `GGUF tensor "${name}" added twice`);
    const n = shape.reduce((a, b) => a * b, 1);
    const ne = [...shape].reverse();
    if (type !== GgmlType.F32 && type !== GgmlType.F16 && type !== GgmlType.BF16 && ne[0]! % 32 !== 0) {
      throw new T1Error("UNSUPPORTED", `tensor "${name}": ${GGML_TYPE_NAMES[type]} needs rows of a multiple of 32 values, got ${ne[0]}`);
    }
    this.tensors.push({ name, ne, type, bytes: tensorByteSize(type, n), offset: 0, produce });
    return this;
  }

  /** Writes the file atomically. `onTensor` is called after each tensor (for progress). */
  async write(path: string, onTensor?: (name: string, bytes: number) => void): Promise<void> {
    const header = this.encodeHeader();
    await replaceViaTempAsync(path, async (tmp) => {
      const fd = openSync(tmp, "w");
      try {
        writeAll(fd, header);
        let pos = header.length;
        for (const t of this.tensors) {
          const data = await t.produce();
          const n = t.ne.reduce((a, b) => a * b, 1);
          if (data.length !== n) {
            throw new T1Error("INTERNAL", `tensor "${t.name}" produced ${data.length} values, shape [${[...t.ne].reverse()}] needs ${n}`);
          }
          const bytes = encodeTensorData(t.type, data);
          writeAll(fd, bytes);
          pos += bytes.length;
          const pad = padTo(pos, this.alignment) - pos;
          if (pad) writeAll(fd, new Uint8Array(pad));
          pos += pad;
          onTensor?.(t.name, bytes.length);
        }
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    });
  }

  /** Header + KV + tensor infos + padding up to the aligned start of the data section. */
  private encodeHeader(): Uint8Array {
    let offset = 0;
    for (const t of this.tensors) {
      t.offset = offset;
      offset = padTo(offset + t.bytes, this.alignment);
    }
    const out = new ByteSink();
    out.u32(GGUF_MAGIC);
    out.u32(GGUF_VERSION);
    out.u64(this.tensors.length);
    out.u64(this.kv.size);
    for (const [key, v] of this.kv) {
      out.str(key);
      out.u32(v.type);
      writeValue(out, v, key);
    }
    for (const t of this.tensors) {
      out.str(t.name);
      out.u32(t.ne.length);
      for (const d of t.ne) out.u64(d);
      out.u32(t.type);
      out.u64(t.offset);
    }
    out.zeros(padTo(out.length, this.alignment) - out.length);
    return out.bytes();
  }
}

function padTo(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off);
}

function writeValue(out: ByteSink, v: GgufValue, key: string): void {
  if (v.type === GgufValueType.ARRAY) {
    if (v.itemType === GgufValueType.ARRAY) throw new T1Error("UNSUPPORTED", `GGUF key "${key}": nested arrays are not supported`);
    out.u32(v.itemType);
    out.u64(v.value.length);
    for (let i = 0; i < v.value.length; i++) writeScalar(out, v.itemType, v.value[i]!, key);
  } else writeScalar(out, v.type, v.value, key);
}

function writeScalar(out: ByteSink, type: GgufValueType, x: number | string | boolean | bigint, key: string): void {
  const bad = (): never => {
    throw new T1Error("INTERNAL", `GGUF key "${key}": value ${String(x)} does not fit type ${GgufValueType[type]}`);
  };
  switch (type) {
    case GgufValueType.STRING:
      if (typeof x !== "string") bad();
      return out.str(x as string);
    case GgufValueType.BOOL:
      return out.u8(x ? 1 : 0);
    case GgufValueType.UINT64:
    case GgufValueType.INT64:
      return type === GgufValueType.UINT64 ? out.u64(x as number | bigint) : out.i64(x as number | bigint);
  }
  if (typeof x !== "number") return bad();
  switch (type) {
    case GgufValueType.UINT8: return out.u8(x);
    case GgufValueType.INT8: return out.fixed(1, (dv) => dv.setInt8(0, x));
    case GgufValueType.UINT16: return out.fixed(2, (dv) => dv.setUint16(0, x, true));
    case GgufValueType.INT16: return out.fixed(2, (dv) => dv.setInt16(0, x, true));
    case GgufValueType.UINT32: return out.u32(x);
    case GgufValueType.INT32: return out.fixed(4, (dv) => dv.setInt32(0, x, true));
    case GgufValueType.FLOAT32: return out.fixed(4, (dv) => dv.setFloat32(0, x, true));
    case GgufValueType.FLOAT64: return out.fixed(8, (dv) => dv.setFloat64(0, x, true));
    default: return bad();
  }
}

/** A growable little-endian byte buffer. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  fixed(n: number, f: (dv: DataView) => void): void {
    this.reserve(n);
    f(new DataView(this.buf.buffer, this.length, n));
    this.length += n;
  }
  u8(x: number): void {
    this.reserve(1);
    this.buf[this.length++] = x;
  }
  u32(x: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, x, true);
    this.length += 4;
  }
  u64(x: number | bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(x), true);
    this.length += 8;
  }
  i64(x: number | bigint): void {
    this.reserve(8);
    this.view.setBigInt64(this.length, BigInt(x), true);
    this.length += 8;
  }
  str(s: string): void {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  zeros(n: number): void {
    this.reserve(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
