/**
 * Safetensors reading and writing (https://github.com/huggingface/safetensors format):
 * 8-byte little-endian header length, a JSON header `{name: {dtype, shape, data_offsets}}`, then
 * the raw tensor bytes. Every tensor is returned as f32, whatever its stored dtype.
 *
 * Reading goes tensor by tensor through a file descriptor straight into the destination array
 * (f32) or a reused scratch buffer (f16/bf16), so peak memory stays close to the weights' f32 size
 * rather than file size + a copy.
 */
import { existsSync, statSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { InputError, T1Error } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic.js";

export interface Tensor {
  /** Row-major shape, outermost first (as PyTorch). */
  shape: number[];
  data: Float32Array;
}

export type TensorMap = Map<string, Tensor>;

export interface ReadSafetensorsOptions {
  /** Allocates each tensor's f32 storage (`name` says which tensor). Default `new Float32Array(n)`;
   * pass `kernels.alloc` so the wasm kernels read weights in place. */
  alloc?: (n: number, name: string) => Float32Array;
  /** Called after each tensor is read; return false to leave it out of the result (e.g. once it
   * has been converted elsewhere), so the f32 copy can be garbage-collected right away. */
  keep?: (name: string, t: Tensor) => boolean;
  /** Only load tensors whose name passes this filter. Default: all. */
  filter?: (name: string) => boolean;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

/** Header of one .safetensors file: tensor entries plus `__metadata__`, and where data begins. */
export async function readSafetensorsHeader(
  file: string,
): Promise<{ entries: Map<string, HeaderEntry>; metadata: Record<string, string>; dataStart: number }> {
  const fh = await open(file, "r").catch((e: unknown) => {
    throw new T1Error("NOT_FOUND", `cannot open safetensors file ${file}: ${(e as Error).message}`);
  });
  try {
    const size = (await fh.stat()).size;
    const lenBuf = Buffer.alloc(8);
    await fh.read(lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (size < 8 || headerLen <= 0 || 8 + headerLen > size) {
      throw new InputError(`not a safetensors file: header length ${headerLen} does not fit in ${size} bytes`, { file });
    }
    const hb = Buffer.alloc(headerLen);
    await fh.read(hb, 0, headerLen, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(hb.toString("utf8")) as Record<string, unknown>;
    } catch (e) {
      throw new InputError(`safetensors header is not valid JSON: ${(e as Error).message}`, { file });
    }
    const entries = new Map<string, HeaderEntry>();
    let metadata: Record<string, string> = {};
    const dataLen = size - 8 - headerLen;
    for (const [name, v] of Object.entries(header)) {
      if (name === "__metadata__") {
        metadata = (v ?? {}) as Record<string, string>;
        continue;
      }
      const e = v as HeaderEntry;
      if (!e || typeof e.dtype !== "string" || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) {
        throw new InputError(`tensor entry must have dtype, shape and data_offsets`, { file, field: name });
      }
      const el = BYTES[e.dtype];
      if (el === undefined) {
        throw new T1Error("UNSUPPORTED", `${file}: tensor "${name}" has dtype ${e.dtype}; supported: F32, F16, BF16`);
      }
      const n = e.shape.reduce((a, b) => a * b, 1);
      const [s, t] = e.data_offsets;
      if (t - s !== n * el || s < 0 || t > dataLen) {
        throw new InputError(
          `tensor data_offsets [${s}, ${t}] do not match shape [${e.shape}] x ${el} bytes within ${dataLen} data bytes`,
          { file, field: name },
        );
      }
      entries.set(name, e);
    }
    return { entries, metadata, dataStart: 8 + headerLen };
  } finally {
    await fh.close();
  }
}

/** The .safetensors files for a path: the file itself, a directory's model.safetensors, or the
 * shards listed in its model.safetensors.index.json. */
export async function safetensorsFiles(pathOrDir: string): Promise<string[]> {
  if (!existsSync(pathOrDir)) throw new T1Error("NOT_FOUND", `no such file or directory: ${pathOrDir}`);
  if (!statSync(pathOrDir).isDirectory()) {
    if (pathOrDir.endsWith(".index.json")) return shardsFromIndex(pathOrDir);
    return [pathOrDir];
  }
  const single = join(pathOrDir, "model.safetensors");
  if (existsSync(single)) return [single];
  const index = join(pathOrDir, "model.safetensors.index.json");
  if (existsSync(index)) return shardsFromIndex(index);
  throw new T1Error("NOT_FOUND", `${pathOrDir} holds neither model.safetensors nor model.safetensors.index.json`);
}

async function shardsFromIndex(index: string): Promise<string[]> {
  let j: { weight_map?: Record<string, string> };
  try {
    j = JSON.parse(await readFile(index, "utf8")) as typeof j;
  } catch (e) {
    throw new InputError(`cannot parse shard index: ${(e as Error).message}`, { file: index });
  }
  if (!j.weight_map || typeof j.weight_map !== "object") throw new InputError(`missing weight_map`, { file: index, field: "weight_map" });
  const files = [...new Set(Object.values(j.weight_map))].sort();
  return files.map((f) => join(dirname(index), f));
}

/** Reads all tensors of a safetensors file, directory or sharded checkpoint as f32. */
export async function readSafetensors(pathOrDir: string, opts: ReadSafetensorsOptions = {}): Promise<TensorMap> {
  const alloc = opts.alloc ?? ((n: number) => new Float32Array(n));
  const out: TensorMap = new Map();
  for (const file of await safetensorsFiles(pathOrDir)) {
    const { entries, dataStart } = await readSafetensorsHeader(file);
    const fh = await open(file, "r");
    try {
      let scratch = new Uint8Array(0);
      for (const [name, e] of entries) {
        if (opts.filter && !opts.filter(name)) continue;
        if (out.has(name)) throw new InputError(`tensor "${name}" appears in more than one shard`, { file });
        const n = e.shape.reduce((a, b) => a * b, 1);
        const data = alloc(n, name);
        const nbytes = e.data_offsets[1] - e.data_offsets[0];
        const pos = dataStart + e.data_offsets[0];
        if (e.dtype === "F32") {
          await readFully(fh, new Uint8Array(data.buffer, data.byteOffset, nbytes), pos, file);
        } else {
          if (scratch.length < nbytes) scratch = new Uint8Array(nbytes);
          const raw = scratch.subarray(0, nbytes);
          await readFully(fh, raw, pos, file);
          const u16 = new Uint16Array(raw.buffer, raw.byteOffset, n);
          if (e.dtype === "BF16") bf16ToF32(u16, data);
          else f16ToF32(u16, data);
        }
        const t = { shape: e.shape.slice(), data };
        if (!opts.keep || opts.keep(name, t)) out.set(name, t);
      }
    } finally {
      await fh.close();
    }
  }
  return out;
}

async function readFully(fh: import("node:fs/promises").FileHandle, dst: Uint8Array, pos: number, file: string): Promise<void> {
  let off = 0;
  while (off < dst.length) {
    const { bytesRead } = await fh.read(dst, off, dst.length - off, pos + off);
    if (bytesRead === 0) throw new InputError(`unexpected end of file at byte ${pos + off}`, { file });
    off += bytesRead;
  }
}

export type SafetensorsDtype = "F32" | "F16" | "BF16";

export interface WriteSafetensorsOptions {
  /** Stored dtype. Default "F32": exact; "BF16"/"F16" halve the file but round the values. */
  dtype?: SafetensorsDtype;
}

/** Writes tensors (sorted by name, as the Python library does) atomically. */
export function writeSafetensors(
  path: string,
  tensors: TensorMap,
  metadata: Record<string, string> = {},
  opts: WriteSafetensorsOptions = {},
): void {
  const dtype = opts.dtype ?? "F32";
  const el = BYTES[dtype]!;
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let off = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) {
      throw new T1Error("INTERNAL", `writeSafetensors: tensor "${name}" has shape [${t.shape}] but ${t.data.length} values`);
    }
    header[name] = { dtype, shape: t.shape, data_offsets: [off, off + n * el] };
    off += n * el;
  }
  let json = JSON.stringify(header);
  // Pad the header so tensor data starts 8-byte aligned (what the reference writer does).
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const hb = Buffer.from(json, "utf8");
  const lenBuf = Buffer.alloc(8);
  lenBuf.writeBigUInt64LE(BigInt(hb.length));
  const chunks: Uint8Array[] = [lenBuf, hb];
  for (const name of names) {
    const d = tensors.get(name)!.data;
    if (dtype === "F32") chunks.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    else {
      const u16 = dtype === "BF16" ? f32ToBf16(d) : f32ToF16(d);
      chunks.push(new Uint8Array(u16.buffer, u16.byteOffset, u16.byteLength));
    }
  }
  writeFileAtomic(path, chunks);
}

export function bf16ToF32(src: Uint16Array, dst: Float32Array): void {
  const u32 = new Uint32Array(dst.buffer, dst.byteOffset, src.length);
  for (let i = 0; i < src.length; i++) u32[i] = src[i]! << 16;
}

/** Round-to-nearest-even, as torch's .to(bfloat16); NaN stays NaN. */
export function f32ToBf16(src: Float32Array): Uint16Array {
  const u32 = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const x = u32[i]!;
    if ((x & 0x7fffffff) > 0x7f800000) out[i] = (x >>> 16) | 0x40;
    else out[i] = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}

export function f16ToF32(src: Uint16Array, dst: Float32Array): void {
  for (let i = 0; i < src.length; i++) dst[i] = halfToFloat(src[i]!);
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

export function f32ToF16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = floatToHalf(src[i]!);
  return out;
}

/** f32 → IEEE half with round-to-nearest-even, overflow to ±Inf, subnormals kept. */
export function floatToHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) {
    // Subnormal: value = m * 2^-24.
    return sign | roundHalfEven(a * 2 ** 24);
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
