/**
 * The document store of an index directory: document texts by id, so that search results can show
 * what they found. Two kinds of files:
 *   docs-<generation>.jsonl  one `{"id","text","title"?}` line per stored document, append-only;
 *   docs.json               the pointer: which .jsonl is current, how many of its bytes are
 *                           committed, and each live id's byte offset and length in it.
 * Adding appends lines and then rewrites the pointer atomically, so a crash between the two leaves
 * the previous state (a torn tail past the committed length is cut off by the next writer).
 * Deleting only drops ids from the pointer; compaction copies the live lines into a new generation
 * file, switches the pointer, then removes the old file (a reader keeps its open descriptor).
 * The store has no lock of its own: it is written under the dense index's writer lock.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, fsyncSync, openSync, readFileSync, readSync, readdirSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Document } from "../../data/types.js";
import { InputError, T1Error } from "../../util/errors.js";
import { writeFileAtomic } from "../../util/atomic.js";

export const DOC_STORE_POINTER = "docs.json";
const FORMAT = "t1-docstore";
const VERSION = 1;
const DATA_FILE = /^docs-(\d+)\.jsonl$/;

interface Pointer {
  format: typeof FORMAT;
  version: number;
  file: string;
  generation: number;
  /** Committed length of `file`; bytes beyond it are an interrupted append. */
  bytes: number;
  ids: string[];
  offsets: number[];
  lengths: number[];
}

type Entry = { offset: number; length: number };

function readPointer(dir: string): Pointer | undefined {
  const path = join(dir, DOC_STORE_POINTER);
  if (!existsSync(path)) return undefined;
  let p: Pointer;
  try {
    p = JSON.parse(readFileSync(path, "utf8")) as Pointer;
  } catch (e) {
    throw new InputError(`not valid JSON (${(e as Error).message}); delete it and rerun t1 index to rebuild the store`, { file: path });
  }
  if (p?.format !== FORMAT) throw new InputError(`not a t1 document store pointer`, { file: path, field: "format" });
  if (p.version !== VERSION) throw new InputError(`document store version ${p.version} is not supported (expected ${VERSION})`, { file: path, field: "version" });
  if (!Array.isArray(p.ids) || !Array.isArray(p.offsets) || !Array.isArray(p.lengths) || p.ids.length !== p.offsets.length || p.ids.length !== p.lengths.length) {
    throw new InputError(`ids, offsets and lengths must be lists of equal length`, { file: path, field: "ids" });
  }
  if (typeof p.file !== "string" || !DATA_FILE.test(p.file)) throw new InputError(`"file" must name a docs-<n>.jsonl file`, { file: path, field: "file" });
  return p;
}

function entriesOf(p: Pointer | undefined): Map<string, Entry> {
  const m = new Map<string, Entry>();
  if (p) for (let i = 0; i < p.ids.length; i++) m.set(p.ids[i]!, { offset: p.offsets[i]!, length: p.lengths[i]! });
  return m;
}

function readLine(fd: number, e: Entry, file: string, id: string): Document {
  const buf = Buffer.allocUnsafe(e.length);
  let got = 0;
  while (got < e.length) {
    const n = readSync(fd, buf, got, e.length - got, e.offset + got);
    if (n === 0) break;
    got += n;
  }
  let obj: { id?: unknown; text?: unknown; title?: unknown };
  try {
    obj = JSON.parse(buf.subarray(0, got).toString("utf8")) as typeof obj;
  } catch {
    throw new T1Error("BAD_INPUT", `${file}: the stored line of document "${id}" (byte ${e.offset}) is not valid JSON; rerun t1 index with --overwrite`);
  }
  if (obj.id !== id || typeof obj.text !== "string") throw new T1Error("BAD_INPUT", `${file}: byte ${e.offset} holds document ${JSON.stringify(obj.id)}, not "${id}"`);
  return typeof obj.title === "string" ? { id, text: obj.text, title: obj.title } : { id, text: obj.text };
}

/** Read access to an index directory's document texts. Keeps one file descriptor open until close(). */
export class DocStore {
  private constructor(
    readonly dir: string,
    private readonly file: string,
    private fd: number,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** The store of `dir`, or undefined when the index was built without texts (`--no-store-text`). */
  static open(dir: string): DocStore | undefined {
    // A writer's compaction may replace the data file between our pointer read and our open:
    // then the pointer names a newer generation, and we read it again.
    for (let attempt = 0; ; attempt++) {
      const p = readPointer(dir);
      if (!p) return undefined;
      const file = join(dir, p.file);
      try {
        return new DocStore(dir, file, openSync(file, "r"), entriesOf(p));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
        if (attempt < 3 && readPointer(dir)?.generation !== p.generation) continue;
        throw new T1Error("NOT_FOUND", `${join(dir, DOC_STORE_POINTER)} names ${p.file}, which is missing; rerun t1 index to rebuild the store`);
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** The stored document, or undefined when the id is not stored. */
  document(id: string): Document | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (this.fd < 0) throw new T1Error("INTERNAL", `document store of ${this.dir} is closed`);
    return readLine(this.fd, e, this.file, id);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Shorthand for `DocStore.open(dir)`. */
export function openDocStore(dir: string): DocStore | undefined {
  return DocStore.open(dir);
}

export interface DocStoreWriterOptions {
  /** Start empty, dropping whatever the directory stored. Default false (continue the store). */
  reset?: boolean;
  /** Compact at commit when superseded or deleted bytes exceed this fraction of the file. Default 0.5:
   * lower keeps the file tighter at the price of more rewriting. */
  compactAbove?: number;
}

/** Adds and deletes documents; nothing is visible to readers until commit(). */
export class DocStoreWriter {
  private fd: number;
  private bytes: number;
  private dirty = false;

  private constructor(
    readonly dir: string,
    private generation: number,
    private file: string,
    private readonly entries: Map<string, Entry>,
    bytes: number,
    private readonly compactAbove: number,
  ) {
    this.fd = openSync(join(dir, file), existsSync(join(dir, file)) ? "r+" : "w+");
    // Bytes past the committed length come from an append that never committed.
    if (fstatSync(this.fd).size > bytes) ftruncateSync(this.fd, bytes);
    this.bytes = bytes;
  }

  static open(dir: string, opts: DocStoreWriterOptions = {}): DocStoreWriter {
    const p = opts.reset ? undefined : readPointer(dir);
    const compactAbove = opts.compactAbove ?? 0.5;
    if (p && existsSync(join(dir, p.file))) return new DocStoreWriter(dir, p.generation, p.file, entriesOf(p), p.bytes, compactAbove);
    const generation = (p?.generation ?? latestGeneration(dir)) + 1;
    const w = new DocStoreWriter(dir, generation, `docs-${generation}.jsonl`, new Map(), 0, compactAbove);
    w.dirty = true;
    return w;
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** Stores documents; a stored id is replaced by the new text. */
  put(docs: readonly Document[]): void {
    const chunks: Buffer[] = [];
    let size = 0;
    const flush = () => {
      if (!chunks.length) return;
      const buf = Buffer.concat(chunks);
      let off = 0;
      while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off, this.bytes + off);
      this.bytes += buf.length;
      chunks.length = 0;
      size = 0;
    };
    for (const d of docs) {
      const line = Buffer.from(JSON.stringify(d.title === undefined ? { id: d.id, text: d.text } : { id: d.id, text: d.text, title: d.title }) + "\n", "utf8");
      this.entries.set(d.id, { offset: this.bytes + size, length: line.length - 1 });
      chunks.push(line);
      size += line.length;
      if (size >= 1 << 22) flush();
    }
    flush();
    if (docs.length) this.dirty = true;
  }

  /** Forgets documents (their bytes stay until compaction). Returns how many were stored. */
  delete(ids: readonly string[]): number {
    let n = 0;
    for (const id of ids) if (this.entries.delete(id)) n++;
    if (n) this.dirty = true;
    return n;
  }

  /** Bytes of the data file no live document uses. */
  get garbageBytes(): number {
    let live = 0;
    for (const e of this.entries.values()) live += e.length + 1;
    return this.bytes - live;
  }

  /** Copies the live lines into a new generation file and switches to it (committed at once). */
  compact(): void {
    const generation = this.generation + 1;
    const file = `docs-${generation}.jsonl`;
    const out = openSync(join(this.dir, file), "w");
    const moved = new Map<string, Entry>();
    let pos = 0;
    try {
      for (const [id, e] of this.entries) {
        const buf = Buffer.allocUnsafe(e.length + 1);
        let got = 0;
        while (got < buf.length) {
          const n = readSync(this.fd, buf, got, buf.length - got, e.offset + got);
          if (n === 0) throw new T1Error("BAD_INPUT", `${join(this.dir, this.file)} ends inside document "${id}"`);
          got += n;
        }
        let off = 0;
        while (off < buf.length) off += writeSync(out, buf, off, buf.length - off, pos + off);
        moved.set(id, { offset: pos, length: e.length });
        pos += buf.length;
      }
      fsyncSync(out);
    } catch (e) {
      closeSync(out);
      unlinkSync(join(this.dir, file));
      throw e;
    }
    closeSync(this.fd);
    this.fd = out;
    this.file = file;
    this.generation = generation;
    this.bytes = pos;
    this.entries.clear();
    for (const [id, e] of moved) this.entries.set(id, e);
    this.dirty = true;
    // The commit removes the old generation's file once the pointer no longer names it.
    this.commit({ compact: false });
  }

  /** Makes the changes visible: fsyncs the data file, then replaces the pointer atomically. */
  commit(opts: { compact?: boolean } = {}): void {
    if ((opts.compact ?? true) && this.bytes > 0 && this.garbageBytes > this.compactAbove * this.bytes) return this.compact();
    if (!this.dirty) return;
    fsyncSync(this.fd);
    const ids: string[] = [];
    const offsets: number[] = [];
    const lengths: number[] = [];
    for (const [id, e] of this.entries) {
      ids.push(id);
      offsets.push(e.offset);
      lengths.push(e.length);
    }
    const p: Pointer = { format: FORMAT, version: VERSION, file: this.file, generation: this.generation, bytes: this.bytes, ids, offsets, lengths };
    writeFileAtomic(join(this.dir, DOC_STORE_POINTER), JSON.stringify(p));
    this.dirty = false;
    // Data files of older generations (left by a reset or a crash during compaction) are unused now.
    for (const f of readdirSync(this.dir)) if (DATA_FILE.test(f) && f !== this.file) unlinkSync(join(this.dir, f));
  }

  /** Closes without committing what is pending. */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

function latestGeneration(dir: string): number {
  let g = 0;
  if (!existsSync(dir)) return g;
  for (const f of readdirSync(dir)) {
    const m = DATA_FILE.exec(f);
    if (m) g = Math.max(g, Number(m[1]));
  }
  return g;
}

/** Removes the store of `dir` (pointer first, so no reader sees a pointer to a missing file). */
export function removeDocStore(dir: string): void {
  if (!existsSync(dir)) return;
  const pointer = join(dir, DOC_STORE_POINTER);
  if (existsSync(pointer)) unlinkSync(pointer);
  for (const f of readdirSync(dir)) if (DATA_FILE.test(f)) unlinkSync(join(dir, f));
}

/** One line of at most `chars` characters: whitespace runs collapsed, "…" when cut. */
export function snippet(text: string, chars: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (chars <= 0) return "";
  if (flat.length <= chars) return flat;
  // Do not split a surrogate pair.
  let end = chars - 1;
  const code = flat.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return flat.slice(0, end).trimEnd() + "…";
}

/**
 * Brings the store of an index directory in line with a corpus: documents not stored yet are
 * added; with `prune`, stored ids absent from the corpus are deleted (as the dense index does). A
 * stored id keeps its text even if the corpus changed it, as the dense index keeps its vector.
 */
export function syncDocStore(dir: string, docs: readonly Document[], opts: { reset?: boolean; prune?: boolean } = {}): { added: number; deleted: number } {
  const w = DocStoreWriter.open(dir, { reset: opts.reset });
  try {
    let deleted = 0;
    if (opts.prune) {
      const keep = new Set(docs.map((d) => d.id));
      deleted = w.delete(w.ids().filter((id) => !keep.has(id)));
    }
    const fresh = docs.filter((d) => !w.has(d.id));
    w.put(fresh);
    w.commit();
    return { added: fresh.length, deleted };
  } finally {
    w.close();
  }
}
