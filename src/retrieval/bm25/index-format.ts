/**
 * On-disk layout of a BM25 index (one file, little-endian):
 *
 *   magic "T1BM25\n\0" | u32 format version | u32 header length | header JSON (UTF-8) | pad to 8
 *   sections, each starting on an 8-byte boundary (so typed arrays can view the file buffer in place):
 *     docLengths  u32[numDocs]        exact token count per document (norm bytes derive from it)
 *     docIdOffsets u32[numDocs + 1]  into docIdBytes
 *     docIdBytes  UTF-8
 *     termOffsets u32[numTerms + 1]  into termBytes; terms sorted in JS string (UTF-16) order
 *     termBytes   UTF-8
 *     docFreqs    u32[numTerms]
 *     postingOffsets f64[numTerms + 1] into postings (f64: postings may pass 4 GiB)
 *     postings    per term: varint(doc delta), varint(tf) for each document, doc numbers ascending
 *     gensimOrder u32[numTerms]      the term ids gensim's Dictionary assigns (bright-gensim sums in that order)
 *   u32 CRC-32 of every byte before it.
 *
 * Opening reads the whole file into one Buffer and views the sections without copying.
 */
import { readFileSync } from "node:fs";
import { crc32 } from "node:zlib";
import { T1Error } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/atomic.js";

export const BM25_MAGIC = "T1BM25\n\0";
export const BM25_FORMAT_VERSION = 1;

export interface Bm25Header {
  analyzer: string;
  k1: number;
  b: number;
  variant: Bm25Variant;
  numDocs: number;
  numTerms: number;
  /** Documents with at least one token (Lucene's docCount). */
  docCount: number;
  sumTotalTermFreq: number;
  created: string;
  sections: Record<SectionName, [offset: number, length: number]>;
}

export type Bm25Variant = "lucene" | "bright-gensim";

export interface Bm25Arrays {
  docLengths: Uint32Array;
  docIdOffsets: Uint32Array;
  docIdBytes: Uint8Array;
  termOffsets: Uint32Array;
  termBytes: Uint8Array;
  docFreqs: Uint32Array;
  postingOffsets: Float64Array;
  postings: Uint8Array;
  /** Per term, the id gensim's Dictionary would give it (first document, then code-point order). */
  gensimOrder: Uint32Array;
}

type SectionName = keyof Bm25Arrays;
const SECTION_ORDER: SectionName[] = ["docLengths", "docIdOffsets", "docIdBytes", "termOffsets", "termBytes", "docFreqs", "postingOffsets", "postings", "gensimOrder"];

const pad8 = (n: number): number => (n + 7) & ~7;

/** Serializes an index; returns the chunks to write (no copy of the big sections). */
export function encodeBm25(header: Omit<Bm25Header, "sections">, arrays: Bm25Arrays): Uint8Array[] {
  const sections = {} as Bm25Header["sections"];
  // The header's length depends on the offsets it lists: lay out sections relative to the header end first.
  let rel = 0;
  for (const name of SECTION_ORDER) {
    sections[name] = [rel, arrays[name].byteLength];
    rel = pad8(rel + arrays[name].byteLength);
  }
  let json = "";
  let base = 0;
  for (let attempt = 0; attempt < 4; attempt++) {
    const shifted = Object.fromEntries(SECTION_ORDER.map((n) => [n, [sections[n][0] + base, sections[n][1]]]));
    json = JSON.stringify({ ...header, sections: shifted });
    const newBase = pad8(16 + Buffer.byteLength(json));
    if (newBase === base) break;
    base = newBase;
  }
  const head = Buffer.alloc(base);
  head.write(BM25_MAGIC, 0, "latin1");
  head.writeUInt32LE(BM25_FORMAT_VERSION, 8);
  head.writeUInt32LE(Buffer.byteLength(json), 12);
  head.write(json, 16, "utf8");
  const chunks: Uint8Array[] = [head];
  let pos = base;
  for (const name of SECTION_ORDER) {
    const a = arrays[name];
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    chunks.push(bytes);
    pos += bytes.byteLength;
    const padded = pad8(pos);
    if (padded > pos) chunks.push(new Uint8Array(padded - pos));
    pos = padded;
  }
  let crc = 0;
  // Node's crc32 answers 0, not the running value, for an empty view of an empty buffer (an index
  // of no documents has such sections): skip them, as they add nothing to the checksum.
  for (const c of chunks) if (c.byteLength > 0) crc = crc32(c, crc);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(crc >>> 0, 0);
  chunks.push(tail);
  return chunks;
}

export function writeBm25File(path: string, header: Omit<Bm25Header, "sections">, arrays: Bm25Arrays): void {
  writeFileAtomic(path, encodeBm25(header, arrays));
}

export interface DecodeOptions {
  /** Verify the CRC-32 trailer. Default true: costs one pass over the file (~1 GB/s), catches truncation and bit rot. */
  verify?: boolean;
}

/** Parses an index file already in memory; the arrays view `buf` without copying. */
export function decodeBm25(buf: Buffer, file: string, opts: DecodeOptions = {}): { header: Bm25Header; arrays: Bm25Arrays } {
  const bad = (msg: string): T1Error => new T1Error("BAD_INPUT", `${file}: not a usable t1 BM25 index: ${msg}`);
  if (buf.length < 20 || buf.toString("latin1", 0, 8) !== BM25_MAGIC) throw bad(`missing the "T1BM25" magic bytes`);
  const version = buf.readUInt32LE(8);
  if (version !== BM25_FORMAT_VERSION) throw bad(`format version ${version}, this t1 reads version ${BM25_FORMAT_VERSION}`);
  if (opts.verify ?? true) {
    const want = buf.readUInt32LE(buf.length - 4);
    const got = crc32(buf.subarray(0, buf.length - 4)) >>> 0;
    if (want !== got) throw bad(`checksum mismatch (stored ${want.toString(16)}, computed ${got.toString(16)}): the file is truncated or corrupted`);
  }
  const jsonLen = buf.readUInt32LE(12);
  let header: Bm25Header;
  try {
    header = JSON.parse(buf.toString("utf8", 16, 16 + jsonLen)) as Bm25Header;
  } catch (e) {
    throw bad(`header is not JSON (${(e as Error).message})`);
  }
  const arrays = {} as Record<SectionName, Uint8Array | Uint32Array | Float64Array>;
  for (const name of SECTION_ORDER) {
    const sec = header.sections?.[name];
    if (!sec || sec[0] % 8 !== 0 || sec[0] + sec[1] > buf.length - 4) throw bad(`section "${name}" is missing or out of bounds`);
    const [off, len] = sec;
    const abs = buf.byteOffset + off;
    if (name === "postingOffsets") arrays[name] = new Float64Array(buf.buffer, abs, len / 8);
    else if (name === "docIdBytes" || name === "termBytes" || name === "postings") arrays[name] = new Uint8Array(buf.buffer, abs, len);
    else arrays[name] = new Uint32Array(buf.buffer, abs, len / 4);
  }
  const a = arrays as unknown as Bm25Arrays;
  if (a.docLengths.length !== header.numDocs || a.docFreqs.length !== header.numTerms || a.postingOffsets.length !== header.numTerms + 1 || a.gensimOrder.length !== header.numTerms) {
    throw bad("section sizes disagree with the header's document and term counts");
  }
  return { header, arrays: a };
}

/** Reads a whole index file; the Buffer is 8-byte aligned so the typed-array views are legal. */
export function readBm25File(path: string, opts: DecodeOptions = {}): { header: Bm25Header; arrays: Bm25Arrays } {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw new T1Error("NOT_FOUND", `cannot read BM25 index ${path}: ${(e as Error).message}`);
  }
  // readFileSync of large files returns a Buffer at offset 0 of its own ArrayBuffer; small ones may sit in the pool.
  const buf = raw.byteOffset % 8 === 0 ? raw : Buffer.from(new Uint8Array(raw).buffer);
  return decodeBm25(buf, path, opts);
}
