import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { InputError, T1Error } from "../../util/errors.js";

/**
 * Training rows of the T1 curriculum, read from JSONL (see docs/TRAINING.md). Every problem is
 * reported as `file:line: message (field "x")`.
 */

/** Stage 1 / 2 row: a query, its positive document(s), optional hard negatives and teacher reasoning. */
export interface ContrastiveRow {
  query: string;
  /** One or more positive document texts (one is drawn per step when several). */
  positives: string[];
  /** Hard-negative document texts. */
  negatives: string[];
  /** Teacher reasoning trajectory (required by stage 2). */
  reasoning?: string;
  /** Task instruction; falls back to the run's --instruction. */
  instruction?: string;
}

/** Stage 3 row: positives / negatives are texts, or ids of a candidate pool file. */
export interface GrpoRow {
  query: string;
  positives: string[];
  negatives: string[];
  instruction?: string;
}

/** A candidate pool: documents by id (JSONL {id, text} or {id, contents}). */
export interface CandidatePool {
  ids: string[];
  texts: string[];
  byId: Map<string, number>;
}

function readLines(file: string): [Record<string, unknown>, number][] {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new T1Error("NOT_FOUND", `${file}: no such file`);
    throw new InputError(`cannot read (${(e as Error).message})`, { file });
  }
  const text = (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  const out: [Record<string, unknown>, number][] = [];
  text.split("\n").forEach((l, i) => {
    const s = l.trim();
    if (!s) return;
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch (e) {
      throw new InputError(`not valid JSON (${(e as Error).message})`, { file, line: i + 1 });
    }
    if (!v || typeof v !== "object" || Array.isArray(v)) throw new InputError("expected a JSON object", { file, line: i + 1 });
    out.push([v as Record<string, unknown>, i + 1]);
  });
  if (!out.length) throw new InputError("no rows", { file });
  return out;
}

function text(o: Record<string, unknown>, field: string, file: string, line: number, required: true): string;
function text(o: Record<string, unknown>, field: string, file: string, line: number, required: false): string | undefined;
function text(o: Record<string, unknown>, field: string, file: string, line: number, required: boolean): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) {
    if (required) throw new InputError("missing", { file, line, field });
    return undefined;
  }
  if (typeof v !== "string") throw new InputError(`expected a string, got ${Array.isArray(v) ? "an array" : typeof v}`, { file, line, field });
  if (required && !v.trim()) throw new InputError("empty", { file, line, field });
  return v;
}

function texts(o: Record<string, unknown>, field: string, file: string, line: number, required: boolean): string[] {
  const v = o[field];
  if (v === undefined || v === null) {
    if (required) throw new InputError("missing", { file, line, field });
    return [];
  }
  const arr = typeof v === "string" ? [v] : v;
  if (!Array.isArray(arr) || arr.some((x) => typeof x !== "string")) throw new InputError("expected a string or a list of strings", { file, line, field });
  if (required && !arr.length) throw new InputError("empty list", { file, line, field });
  return arr as string[];
}

/** Reads stage 1/2 rows; `needReasoning` (stage 2) makes "reasoning" required. */
export function readContrastiveRows(file: string, needReasoning = false): ContrastiveRow[] {
  return readLines(file).map(([o, line]) => {
    const positives = texts(o, o.positive !== undefined ? "positive" : "positives", file, line, true);
    const row: ContrastiveRow = {
      query: text(o, "query", file, line, true),
      positives,
      negatives: texts(o, "negatives", file, line, false),
      reasoning: needReasoning ? text(o, "reasoning", file, line, true) : text(o, "reasoning", file, line, false),
      instruction: text(o, "instruction", file, line, false),
    };
    if (needReasoning && !row.reasoning!.trim()) throw new InputError("empty", { file, line, field: "reasoning" });
    return row;
  });
}

/** Reads a candidate pool (JSONL documents with "id" and "text"/"contents"/"content"). */
export function readCandidatePool(file: string): CandidatePool {
  const ids: string[] = [], textsOut: string[] = [], byId = new Map<string, number>();
  for (const [o, line] of readLines(file)) {
    const id = o.id ?? o._id ?? o.docid;
    if (typeof id !== "string" && typeof id !== "number") throw new InputError("missing or not a string", { file, line, field: "id" });
    const field = ["text", "contents", "content"].find((f) => o[f] !== undefined) ?? "text";
    const t = text(o, field, file, line, true);
    const key = String(id);
    if (byId.has(key)) throw new InputError(`document id "${key}" appears twice`, { file, line, field: "id" });
    byId.set(key, ids.length);
    ids.push(key);
    textsOut.push(t);
  }
  return { ids, texts: textsOut, byId };
}

/**
 * Reads stage 3 rows. With a pool, every positive / negative must be a pool id (they are resolved
 * to texts here, the ids kept for nDCG); without one they are document texts.
 */
export function readGrpoRows(file: string, pool?: CandidatePool): { rows: GrpoRow[]; positiveIds?: number[][] } {
  const rows: GrpoRow[] = [], positiveIds: number[][] = [];
  for (const [o, line] of readLines(file)) {
    const pos = texts(o, o.positives !== undefined ? "positives" : "positive", file, line, true);
    const neg = texts(o, "negatives", file, line, false);
    const resolve = (xs: string[], field: string) =>
      xs.map((id) => {
        const i = pool!.byId.get(id);
        if (i === undefined) throw new InputError(`"${id}" is not an id of the candidate pool`, { file, line, field });
        return i;
      });
    let row: GrpoRow;
    if (pool) {
      const p = resolve(pos, "positives"), n = resolve(neg, "negatives");
      positiveIds.push(p);
      row = { query: "", positives: p.map((i) => pool.texts[i]), negatives: n.map((i) => pool.texts[i]) };
    } else row = { query: "", positives: pos, negatives: neg };
    row.query = text(o, "query", file, line, true);
    row.instruction = text(o, "instruction", file, line, false);
    rows.push(row);
  }
  return pool ? { rows, positiveIds } : { rows };
}
