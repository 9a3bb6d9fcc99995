/**
 * GGUF (v2/v3) reader: parses the header, metadata and tensor infos through a growing window over
 * the file (metadata of a 150K-token vocabulary is megabytes, weights are gigabytes: only the
 * former is read up front), and decodes single tensors to f32 on demand.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { InputError, T1Error } from "../../util/errors.js";
import { GGML_BLOCK, GGML_TYPE_NAMES, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgmlType, GgufValueType } from "./constants.js";
import { decodeTensorData, tensorByteSize } from "./quant.js";

/** Plain JS form of a metadata value: numeric arrays come back as JS arrays of numbers. */
export type GgufPlainValue = number | bigint | boolean | string | Array<number | bigint | boolean | string>;

export interface GgufKV {
  type: GgufValueType;
  /** For arrays, the element type. */
  itemType?: GgufValueType;
  value: GgufPlainValue;
}

export interface GgufTensorInfo {
  name: string;
  /** Row-major shape, outermost first (PyTorch order; GGUF stores it reversed). */
  shape: number[];
  type: GgmlType;
  /** Absolute byte offset of the data in the file. */
  fileOffset: number;
  byteSize: number;
}

export interface GgufFile {
  path: string;
  version: number;
  alignment: number;
  metadata: Map<string, GgufKV>;
  tensors: Map<string, GgufTensorInfo>;
  dataOffset: number;
}

/** A read cursor over a file descriptor that pulls more bytes as parsing needs them. */
class Cursor {
  private buf: Buffer;
  private loaded = 0;
  pos = 0;
  field = "header";
  constructor(private readonly fd: number, private readonly size: number, private readonly file: string) {
    this.buf = Buffer.alloc(Math.min(size, 1 << 20));
    this.fill(this.buf.length);
  }
  private fill(upTo: number): void {
    while (this.loaded < upTo) {
      const n = readSync(this.fd, this.buf, this.loaded, upTo - this.loaded, this.loaded);
      if (n <= 0) break;
      this.loaded += n;
    }
  }
  need(n: number): void {
    if (this.pos + n <= this.loaded) return;
    if (this.pos + n > this.size) {
      throw new InputError(`truncated GGUF file: needed ${n} bytes at offset ${this.pos} reading ${this.field}, file has ${this.size}`, { file: this.file });
    }
    let cap = this.buf.length;
    while (cap < this.pos + n) cap *= 2;
    cap = Math.min(cap, this.size);
    if (cap > this.buf.length) {
      const next = Buffer.alloc(cap);
      this.buf.copy(next, 0, 0, this.loaded);
      this.buf = next;
    }
    this.fill(cap);
  }
  u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.pos++);
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError(`implausible size ${v} at offset ${this.pos - 8} reading ${this.field}`, { file: this.file });
    return Number(v);
  }
  scalar(type: GgufValueType): number | bigint | boolean | string {
    switch (type) {
      case GgufValueType.UINT8: return this.u8();
      case GgufValueType.INT8: this.need(1); return this.buf.readInt8(this.pos++);
      case GgufValueType.UINT16: this.need(2); this.pos += 2; return this.buf.readUInt16LE(this.pos - 2);
      case GgufValueType.INT16: this.need(2); this.pos += 2; return this.buf.readInt16LE(this.pos - 2);
      case GgufValueType.UINT32: return this.u32();
      case GgufValueType.INT32: this.need(4); this.pos += 4; return this.buf.readInt32LE(this.pos - 4);
      case GgufValueType.FLOAT32: this.need(4); this.pos += 4; return this.buf.readFloatLE(this.pos - 4);
      case GgufValueType.FLOAT64: this.need(8); this.pos += 8; return this.buf.readDoubleLE(this.pos - 8);
      case GgufValueType.BOOL: {
        const b = this.u8();
        if (b > 1) throw new InputError(`bool value ${b} is neither 0 nor 1 at offset ${this.pos - 1}`, { file: this.file, field: this.field });
        return b === 1;
      }
      case GgufValueType.UINT64: this.need(8); this.pos += 8; return this.buf.readBigUInt64LE(this.pos - 8);
      case GgufValueType.INT64: this.need(8); this.pos += 8; return this.buf.readBigInt64LE(this.pos - 8);
      case GgufValueType.STRING: return this.str();
      default:
        throw new InputError(`unknown GGUF value type ${type} at offset ${this.pos - 4}; expected 0..12`, { file: this.file, field: this.field });
    }
  }
  str(): string {
    const n = this.u64();
    this.need(n);
    const s = this.buf.toString("utf8", this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

/** Parses a GGUF file's header, metadata and tensor infos. Tensor data is read by `readGgufTensor`. */
export function readGgufHeader(path: string): GgufFile {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new T1Error("NOT_FOUND", `cannot open GGUF file ${path}: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size < 24) throw new InputError(`not a GGUF file: only ${size} bytes (a header needs 24)`, { file: path });
    const c = new Cursor(fd, size, path);
    const magic = c.u32();
    if (magic !== GGUF_MAGIC) {
      const shown = Buffer.alloc(4);
      shown.writeUInt32LE(magic);
      throw new InputError(`not a GGUF file: magic is ${JSON.stringify(shown.toString("latin1"))}, expected "GGUF"`, { file: path });
    }
    const version = c.u32();
    if (version !== 2 && version !== 3) throw new T1Error("UNSUPPORTED", `${path}: GGUF version ${version} is not supported (2 or 3)`);
    c.field = "tensor count";
    const nTensors = c.u64();
    c.field = "metadata count";
    const nKv = c.u64();
    const metadata = new Map<string, GgufKV>();
    for (let i = 0; i < nKv; i++) {
      c.field = `metadata key #${i}`;
      const key = c.str();
      c.field = key;
      const type = c.u32() as GgufValueType;
      if (type === GgufValueType.ARRAY) {
        const itemType = c.u32() as GgufValueType;
        if (itemType === GgufValueType.ARRAY) throw new T1Error("UNSUPPORTED", `${path}: nested array in metadata "${key}"`);
        const n = c.u64();
        if (n > size) throw new InputError(`array length ${n} exceeds the file size`, { file: path, field: key });
        const arr = new Array<number | bigint | boolean | string>(n);
        for (let j = 0; j < n; j++) arr[j] = c.scalar(itemType);
        metadata.set(key, { type, itemType, value: arr });
      } else metadata.set(key, { type, value: c.scalar(type) });
    }
    const alignKv = metadata.get("general.alignment");
    const alignment = alignKv ? Number(alignKv.value) : GGUF_DEFAULT_ALIGNMENT;
    if (!Number.isInteger(alignment) || alignment <= 0) throw new InputError(`general.alignment is ${String(alignKv?.value)}, expected a positive integer`, { file: path });
    const infos: Array<Omit<GgufTensorInfo, "fileOffset"> & { rel: number }> = [];
    for (let i = 0; i < nTensors; i++) {
      c.field = `tensor info #${i}`;
      const name = c.str();
      c.field = `tensor info "${name}"`;
      const nDims = c.u32();
      if (nDims < 1 || nDims > 4) throw new InputError(`tensor "${name}" has ${nDims} dimensions, expected 1..4`, { file: path });
      const ne: number[] = [];
      for (let d = 0; d < nDims; d++) ne.push(c.u64());
      const type = c.u32() as GgmlType;
      const rel = c.u64();
      if (!(type in GGML_BLOCK)) {
        throw new T1Error("UNSUPPORTED", `${path}: tensor "${name}" has ggml type ${GGML_TYPE_NAMES[type] ?? `#${type}`}; t1 reads F32, F16, BF16, Q8_0 and Q4_0`);
      }
      const n = ne.reduce((a, b) => a * b, 1);
      infos.push({ name, shape: ne.reverse(), type, rel, byteSize: tensorByteSize(type, n) });
    }
    const dataOffset = Math.ceil(c.pos / alignment) * alignment;
    const tensors = new Map<string, GgufTensorInfo>();
    for (const t of infos) {
      const fileOffset = dataOffset + t.rel;
      if (fileOffset + t.byteSize > size) {
        throw new InputError(`truncated GGUF file: tensor "${t.name}" needs bytes ${fileOffset}..${fileOffset + t.byteSize}, file has ${size}`, { file: path });
      }
      tensors.set(t.name, { name: t.name, shape: t.shape, type: t.type, byteSize: t.byteSize, fileOffset });
    }
    return { path, version, alignment, metadata, tensors, dataOffset };
  } finally {
    closeSync(fd);
  }
}

/** Reads one tensor and decodes it to f32 (into `alloc(n)` when given, e.g. kernel memory). */
export function readGgufTensor(file: GgufFile, name: string, alloc?: (n: number) => Float32Array): Float32Array {
  const t = file.tensors.get(name);
  if (!t) throw new T1Error("NOT_FOUND", `${file.path}: no tensor "${name}"`);
  const n = t.shape.reduce((a, b) => a * b, 1);
  const bytes = Buffer.alloc(t.byteSize);
  const fd = openSync(file.path, "r");
  try {
    let got = 0;
    while (got < t.byteSize) {
      const k = readSync(fd, bytes, got, t.byteSize - got, t.fileOffset + got);
      if (k <= 0) throw new InputError(`truncated GGUF file reading tensor "${name}"`, { file: file.path });
      got += k;
    }
  } finally {
    closeSync(fd);
  }
  const out = alloc ? alloc(n) : new Float32Array(n);
  decodeTensorData(t.type, bytes, out);
  return out;
}

/** A metadata value, or undefined when absent. */
export function ggufValue(file: GgufFile, key: string): GgufPlainValue | undefined {
  return file.metadata.get(key)?.value;
}

/** A required metadata value of the expected JS kind; errors name the key. */
export function requireGgufNumber(file: GgufFile, key: string): number {
  const v = file.metadata.get(key)?.value;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  throw new InputError(v === undefined ? "missing metadata key" : `expected a number, got ${typeof v}`, { file: file.path, field: key });
}
