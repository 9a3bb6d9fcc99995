/**
 * NumPy .npy (format 1.0) for float32 matrices: what `t1 embed --out x.npy` writes, so vectors load
 * with `np.load`.
 */
import { readFileSync } from "node:fs";
import { InputError } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic.js";

/** The .npy header for a C-order little-endian f32 array of `shape`. */
export function npyHeader(shape: readonly number[]): Uint8Array {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  // magic(6) + version(2) + len(2) + dict + padding + "\n" must be a multiple of 64.
  const unpadded = 10 + dict.length + 1;
  const pad = (64 - (unpadded % 64)) % 64;
  const text = dict + " ".repeat(pad) + "\n";
  const out = new Uint8Array(10 + text.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = text.length & 0xff;
  out[9] = text.length >> 8;
  out.set(Buffer.from(text, "latin1"), 10);
  return out;
}

/** Writes rows (each of length D) as an (N, D) float32 .npy, atomically. */
export function writeNpyF32(path: string, rows: readonly Float32Array[], D: number): void {
  const chunks: Uint8Array[] = [npyHeader([rows.length, D])];
  for (const r of rows) {
    if (r.length !== D) throw new InputError(`every row must have ${D} values, got ${r.length}`, { file: path });
    chunks.push(new Uint8Array(r.buffer, r.byteOffset, r.byteLength));
  }
  writeFileAtomic(path, chunks);
}

/** Reads a 2-D little-endian f32 .npy written by numpy or writeNpyF32. */
export function readNpyF32(path: string): { shape: [number, number]; data: Float32Array } {
  const b = readFileSync(path);
  if (b.length < 10 || b[0] !== 0x93 || b.toString("latin1", 1, 6) !== "NUMPY") throw new InputError("not a .npy file", { file: path });
  const major = b[6]!;
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.toString("latin1", start, start + hlen);
  if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header)) {
    throw new InputError(`only little-endian float32 C-order arrays are supported, header: ${header.trim()}`, { file: path });
  }
  const m = /'shape':\s*\((\d+),\s*(\d+)\)/.exec(header);
  if (!m) throw new InputError(`expected a 2-D shape, header: ${header.trim()}`, { file: path });
  const shape: [number, number] = [Number(m[1]), Number(m[2])];
  const off = start + hlen;
  const bytes = b.subarray(off, off + shape[0] * shape[1] * 4);
  if (bytes.length !== shape[0] * shape[1] * 4) throw new InputError("file is shorter than its shape", { file: path });
  const data = new Float32Array(shape[0] * shape[1]);
  new Uint8Array(data.buffer).set(bytes);
  return { shape, data };
}
