import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import type { Readable } from "node:stream";
import { InputError, T1Error } from "../util/errors.js";
import { readTextFile } from "./text-file.js";
import type { Document, Query } from "./types.js";

/**
 * JSON Lines corpora and query files (BEIR, Pyserini and BRIGHT style). Accepted fields:
 * documents `{"id"|"_id"|"docid", "text"|"contents"|"content", "title"?}`,
 * queries `{"id"|"qid"|"_id", "text"|"query"}`. A `.gz` path is gunzipped transparently.
 */

const DOC_ID_FIELDS = ["id", "_id", "docid"] as const;
const DOC_TEXT_FIELDS = ["text", "contents", "content"] as const;
const QUERY_ID_FIELDS = ["id", "qid", "_id"] as const;
const QUERY_TEXT_FIELDS = ["text", "query"] as const;

/** Joins a title and a body the way BEIR/Pyserini index them: "title\nbody" (either may be empty). */
export function joinTitle(title: string | undefined, body: string): string {
  if (!title) return body;
  if (!body) return title;
  return `${title}\n${body}`;
}

function parseLine(line: string, file: string, lineNo: number): Record<string, unknown> {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (e) {
    throw new InputError(`expected one JSON object per line, got invalid JSON (${(e as Error).message})`, { file, line: lineNo });
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    throw new InputError(`expected a JSON object per line, got ${Array.isArray(obj) ? "an array" : typeof obj}`, { file, line: lineNo });
  }
  return obj as Record<string, unknown>;
}

function pick(obj: Record<string, unknown>, fields: readonly string[], what: string, file: string, lineNo: number, allowNumber: boolean): string {
  for (const f of fields) {
    const v = obj[f];
    if (v === undefined || v === null) continue;
    if (typeof v === "string") return v;
    if (allowNumber && typeof v === "number" && Number.isFinite(v)) return String(v);
    throw new InputError(`expected ${what} to be a string${allowNumber ? " or number" : ""}, got ${typeof v}`, { file, line: lineNo, field: f });
  }
  throw new InputError(`expected ${what} in one of the fields ${fields.map((f) => `"${f}"`).join(", ")}; found fields ${Object.keys(obj).map((k) => `"${k}"`).join(", ") || "none"}`, { file, line: lineNo });
}

/** Converts one parsed JSONL record to a Document (exported for loaders of other containers). */
export function toDocument(obj: Record<string, unknown>, file: string, lineNo: number): Document {
  const id = pick(obj, DOC_ID_FIELDS, "a document id", file, lineNo, true);
  const body = pick(obj, DOC_TEXT_FIELDS, "the document text", file, lineNo, false);
  const t = obj.title;
  if (t !== undefined && t !== null && typeof t !== "string") throw new InputError(`expected the title to be a string, got ${typeof t}`, { file, line: lineNo, field: "title" });
  const title = typeof t === "string" && t !== "" ? t : undefined;
  return title === undefined ? { id, text: body } : { id, text: joinTitle(title, body), title };
}

export function toQuery(obj: Record<string, unknown>, file: string, lineNo: number): Query {
  return {
    id: pick(obj, QUERY_ID_FIELDS, "a query id", file, lineNo, true),
    text: pick(obj, QUERY_TEXT_FIELDS, "the query text", file, lineNo, false),
  };
}

function* lines(text: string): Generator<[string, number]> {
  const all = text.split("\n");
  for (let i = 0; i < all.length; i++) {
    const l = all[i]!.trim();
    if (l !== "") yield [l, i + 1];
  }
}

/** Reads a whole JSONL corpus into memory. Duplicate ids are an error (they would silently shadow). */
export function readDocuments(path: string): Document[] {
  const docs: Document[] = [];
  const seen = new Map<string, number>();
  for (const [l, n] of lines(readTextFile(path))) {
    const d = toDocument(parseLine(l, path, n), path, n);
    checkUnique(seen, d.id, "document", path, n);
    docs.push(d);
  }
  return docs;
}

/** Reads a JSONL query file. Duplicate ids are an error. */
export function readQueries(path: string): Query[] {
  const qs: Query[] = [];
  const seen = new Map<string, number>();
  for (const [l, n] of lines(readTextFile(path))) {
    const q = toQuery(parseLine(l, path, n), path, n);
    checkUnique(seen, q.id, "query", path, n);
    qs.push(q);
  }
  return qs;
}

function checkUnique(seen: Map<string, number>, id: string, what: string, file: string, line: number): void {
  const prev = seen.get(id);
  if (prev !== undefined) throw new InputError(`${what} id "${id}" appears twice (first on line ${prev})`, { file, line });
  seen.set(id, line);
}

/**
 * Streams a JSONL corpus one document at a time (constant memory for corpora larger than RAM).
 * Ids are not checked for uniqueness here: that needs memory proportional to the corpus.
 */
export async function* iterateDocuments(path: string): AsyncGenerator<Document> {
  for await (const [obj, n] of iterateJsonl(path)) yield toDocument(obj, path, n);
}

/** Streams the JSON objects of a JSONL (or .jsonl.gz) file with their 1-based line numbers. */
export async function* iterateJsonl(path: string): AsyncGenerator<[Record<string, unknown>, number]> {
  let stream: Readable = createReadStream(path);
  await new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "ENOENT" ? new T1Error("NOT_FOUND", `${path}: no such file`) : new InputError(`cannot read (${e.code ?? e.message})`, { file: path })),
    );
  });
  if (path.endsWith(".gz")) stream = stream.pipe(createGunzip());
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const raw of rl) {
      n++;
      const l = raw.trim();
      if (l !== "") yield [parseLine(l, path, n), n];
    }
  } catch (e) {
    if (e instanceof T1Error) throw e;
    throw new InputError(`cannot read past line ${n} (${(e as Error).message})`, { file: path });
  } finally {
    rl.close();
    stream.destroy();
  }
}
