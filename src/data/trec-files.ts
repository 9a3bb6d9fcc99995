import { InputError } from "../util/errors.js";
import { writeFileAtomic } from "../util/atomic.js";
import type { Qrels, Run, ScoredDoc } from "./types.js";
import { rankRun } from "./ranking.js";
import { readTextFile } from "./text-file.js";

/**
 * Parses TREC qrels: `qid iter docid rel` per line, whitespace separated (trec_eval's format).
 * Blank lines and `#` comment lines are skipped. A docid judged twice for one query is an error, as
 * in trec_eval (which refuses to evaluate such a file).
 */
export function parseQrels(text: string, file = "<qrels>"): Qrels {
  const qrels: Qrels = new Map();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const f = line.split(/\s+/);
    if (f.length !== 4) {
      throw new InputError(`expected \`qid 0 docid rel\` (4 fields), got ${f.length} fields: "${clip(line)}"`, { file, line: i + 1 });
    }
    const rel = Number(f[3]);
    if (!Number.isInteger(rel)) {
      throw new InputError(`expected \`qid 0 docid rel\` with an integer rel, got "${f[3]}"`, { file, line: i + 1, field: "rel" });
    }
    const qid = f[0]!;
    const docid = f[2]!;
    let q = qrels.get(qid);
    if (!q) qrels.set(qid, (q = new Map()));
    if (q.has(docid)) throw new InputError(`docid "${docid}" is judged twice for query "${qid}"`, { file, line: i + 1 });
    q.set(docid, rel);
  }
  return qrels;
}

export function readQrels(path: string): Qrels {
  return parseQrels(readTextFile(path), path);
}

/** Options for parsing a run. */
export interface ParseRunOptions {
  /**
   * What to do with a docid retrieved twice for one query. Default "error", as trec_eval does (it
   * refuses to evaluate the run); "keep-last" mirrors pytrec_eval's dict semantics.
   */
  duplicates?: "error" | "keep-last";
}

/**
 * Parses a TREC run: `qid Q0 docid rank score tag` per line. The rank column is ignored (trec_eval
 * orders by score); scores are parsed as doubles.
 */
export function parseRun(text: string, file = "<run>", opts: ParseRunOptions = {}): Run {
  return parseRunWithTag(text, file, opts).run;
}

/**
 * Finds up to `max` whitespace-separated fields of text[start, end) and writes their [from, to)
 * offsets into `pos`; returns how many it found. Scanning by char code instead of split(/\s+/)
 * makes a 1.4M-line BRIGHT run parse several times faster.
 */
function scanFields(text: string, start: number, end: number, pos: Int32Array, max: number): number {
  let n = 0;
  let i = start;
  while (i < end && n < max) {
    while (i < end && text.charCodeAt(i) <= 32) i++;
    if (i >= end) break;
    const from = i;
    while (i < end && text.charCodeAt(i) > 32) i++;
    pos[2 * n] = from;
    pos[2 * n + 1] = i;
    n++;
  }
  return n;
}

/** parseRun, also returning the run tag (trec_eval prints the last line's as `runid`). */
export function parseRunWithTag(text: string, file = "<run>", opts: ParseRunOptions = {}): { run: Run; tag: string | undefined } {
  let tag: string | undefined;
  const dupes = opts.duplicates ?? "error";
  const run: Run = new Map();
  const seen = new Map<string, Map<string, number>>();
  const pos = new Int32Array(14);
  let lastQid: string | undefined;
  let list: ScoredDoc[] = [];
  let idx = new Map<string, number>();
  let lineNo = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    lineNo++;
    const n = scanFields(text, start, end, pos, 7);
    const lineStart = start;
    start = end + 1;
    if (n === 0 || text.charCodeAt(pos[0]!) === 35 /* # */) continue;
    // Like trec_eval: six fields are required and anything after the tag is ignored.
    if (n < 6) {
      const line = text.slice(lineStart, end).trim();
      throw new InputError(`expected \`qid Q0 docid rank score tag\` (6 fields), got ${n} fields: "${clip(line)}"`, { file, line: lineNo });
    }
    const scoreText = text.slice(pos[8]!, pos[9]!);
    const score = Number(scoreText);
    if (!Number.isFinite(score)) {
      throw new InputError(`expected a finite number for the score, got "${scoreText}"`, { file, line: lineNo, field: "score" });
    }
    const qid = text.slice(pos[0]!, pos[1]!);
    const docid = text.slice(pos[4]!, pos[5]!);
    if (tag === undefined || text.charCodeAt(pos[10]!) !== tag.charCodeAt(0) || pos[11]! - pos[10]! !== tag.length || text.slice(pos[10]!, pos[11]!) !== tag) {
      tag = text.slice(pos[10]!, pos[11]!); // trec_eval reports the tag of the last line
    }
    if (qid !== lastQid) {
      // Runs list a query's documents together, so the lookups happen once per query, not per line.
      lastQid = qid;
      const l = run.get(qid);
      if (l) {
        list = l;
        idx = seen.get(qid)!;
      } else {
        run.set(qid, (list = []));
        seen.set(qid, (idx = new Map()));
      }
    }
    const prev = idx.get(docid);
    if (prev !== undefined) {
      if (dupes === "error") throw new InputError(`docid "${docid}" is retrieved twice for query "${qid}" (trec_eval refuses duplicates)`, { file, line: lineNo });
      list[prev] = { docid, score };
      continue;
    }
    idx.set(docid, list.length);
    list.push({ docid, score });
  }
  return { run, tag };
}

export function readRun(path: string, opts: ParseRunOptions = {}): Run {
  return parseRun(readTextFile(path), path, opts);
}

export function readRunWithTag(path: string, opts: ParseRunOptions = {}): { run: Run; tag: string | undefined } {
  return parseRunWithTag(readTextFile(path), path, opts);
}

/** Options for writing a run file. */
export interface WriteRunOptions {
  /** Keep only the top `depth` documents per query. Default: all (largest file, nothing lost). */
  depth?: number;
  /**
   * Significant digits of the printed scores. Default: the shortest text that reads back as the
   * same double, so re-evaluating the file ranks exactly as this run did; fewer digits give smaller
   * files but may merge near-ties (which trec_eval then breaks by docid).
   */
  precision?: number;
}

/** Formats a run as TREC lines, queries in strcmp order, each ranked 1..n by score (ties: docid descending, as trec_eval). */
export function formatRun(run: Run, tag: string, opts: WriteRunOptions = {}): string {
  if (/\s/.test(tag) || tag === "") throw new InputError(`run tag must be a non-empty word without spaces, got "${tag}"`);
  const prec = opts.precision;
  const out: string[] = [];
  for (const qid of [...run.keys()].sort(cmpStr)) {
    let ranked: ScoredDoc[] = rankRun(run.get(qid)!);
    if (opts.depth !== undefined) ranked = ranked.slice(0, opts.depth);
    for (let r = 0; r < ranked.length; r++) {
      const d = ranked[r]!;
      if (/\s/.test(d.docid) || /\s/.test(qid)) throw new InputError(`ids in a TREC run cannot contain whitespace: query "${qid}", doc "${d.docid}"`);
      out.push(`${qid} Q0 ${d.docid} ${r + 1} ${formatScore(d.score, prec)} ${tag}\n`);
    }
  }
  return out.join("");
}

/** Writes a run atomically (see formatRun). */
export function writeRun(path: string, run: Run, tag: string, opts: WriteRunOptions = {}): void {
  writeFileAtomic(path, formatRun(run, tag, opts));
}

/** Formats qrels as `qid 0 docid rel` lines, queries and docids in strcmp order. */
export function formatQrels(qrels: Qrels): string {
  const out: string[] = [];
  for (const qid of [...qrels.keys()].sort(cmpStr)) {
    const q = qrels.get(qid)!;
    for (const docid of [...q.keys()].sort(cmpStr)) out.push(`${qid} 0 ${docid} ${q.get(docid)!}\n`);
  }
  return out.join("");
}

export function writeQrels(path: string, qrels: Qrels): void {
  writeFileAtomic(path, formatQrels(qrels));
}

function formatScore(s: number, prec: number | undefined): string {
  if (!Number.isFinite(s)) throw new InputError(`cannot write a non-finite score (${s}) to a TREC run`);
  return prec === undefined ? String(s) : String(Number(s.toPrecision(prec)));
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function clip(s: string): string {
  return s.length > 80 ? s.slice(0, 77) + "..." : s;
}
