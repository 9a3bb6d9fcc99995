import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { readTextFile } from "../text-file.js";
import { readQrels } from "../trec-files.js";
import type { Document, Qrels } from "../types.js";
import { InputError, T1Error } from "../../util/errors.js";

/**
 * Reads and validates any directory in the testbed format: only the contract's fields are required
 * ("answer" and other extras are optional), and every violation is one InputError naming the file,
 * the line and the field.
 */

export interface TestbedQueryRecord {
  id: string;
  query: string;
  positives: string[];
  negatives: string[];
  reasoning: string;
  family: string;
  /** The answer entity, when the file gives one as a string. */
  answer?: string;
}

export interface TestbedDir {
  dir: string;
  instruction: string;
  corpus: Document[];
  pretrain: string[];
  train: TestbedQueryRecord[];
  dev: TestbedQueryRecord[];
  test: TestbedQueryRecord[];
  qrelsDev: Qrels;
  qrelsTest: Qrels;
}

export const TESTBED_FILES = ["corpus.jsonl", "pretrain.jsonl", "train.jsonl", "dev.jsonl", "test.jsonl", "qrels.dev.txt", "qrels.test.txt", "instruction.txt"] as const;

function* jsonlObjects(file: string): Generator<[Record<string, unknown>, number]> {
  const lines = readTextFile(file).split("\n");
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === "") continue;
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch (e) {
      throw new InputError(`expected one JSON object per line, got invalid JSON (${(e as Error).message})`, { file, line: i + 1 });
    }
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new InputError(`expected a JSON object per line, got ${Array.isArray(v) ? "an array" : v === null ? "null" : typeof v}`, { file, line: i + 1 });
    yield [v as Record<string, unknown>, i + 1];
  }
}

function str(o: Record<string, unknown>, field: string, file: string, line: number, nonEmpty = true): string {
  const v = o[field];
  if (v === undefined) throw new InputError(`missing required field "${field}"`, { file, line, field });
  if (typeof v !== "string") throw new InputError(`expected a string, got ${Array.isArray(v) ? "an array" : v === null ? "null" : typeof v}`, { file, line, field });
  if (nonEmpty && v.trim() === "") throw new InputError(`expected a non-empty string`, { file, line, field });
  return v;
}

function ids(o: Record<string, unknown>, field: string, file: string, line: number, corpus: ReadonlySet<string>, nonEmpty: boolean): string[] {
  const v = o[field];
  if (v === undefined) throw new InputError(`missing required field "${field}"`, { file, line, field });
  if (!Array.isArray(v)) throw new InputError(`expected an array of document ids, got ${v === null ? "null" : typeof v}`, { file, line, field });
  if (nonEmpty && v.length === 0) throw new InputError(`expected at least one document id`, { file, line, field });
  return v.map((d, k) => {
    if (typeof d !== "string") throw new InputError(`expected document ids as strings, got ${typeof d} at index ${k}`, { file, line, field });
    if (!corpus.has(d)) throw new InputError(`document id "${d}" is not in corpus.jsonl`, { file, line, field });
    return d;
  });
}

function readCorpus(file: string): Document[] {
  const docs: Document[] = [];
  const seen = new Map<string, number>();
  for (const [o, n] of jsonlObjects(file)) {
    const id = str(o, "id", file, n);
    const prev = seen.get(id);
    if (prev !== undefined) throw new InputError(`document id "${id}" appears twice (first on line ${prev})`, { file, line: n, field: "id" });
    seen.set(id, n);
    docs.push({ id, text: str(o, "text", file, n) });
  }
  if (docs.length === 0) throw new InputError("the corpus has no documents", { file });
  return docs;
}

function readSplit(file: string, corpus: ReadonlySet<string>, seenIds: Map<string, string>): TestbedQueryRecord[] {
  const out: TestbedQueryRecord[] = [];
  for (const [o, n] of jsonlObjects(file)) {
    const id = str(o, "id", file, n);
    const prev = seenIds.get(id);
    if (prev !== undefined) throw new InputError(`query id "${id}" appears twice (also at ${prev})`, { file, line: n, field: "id" });
    seenIds.set(id, `${file}:${n}`);
    const q: TestbedQueryRecord = {
      id,
      query: str(o, "query", file, n),
      positives: ids(o, "positives", file, n, corpus, true),
      negatives: ids(o, "negatives", file, n, corpus, false),
      reasoning: str(o, "reasoning", file, n, false),
      family: str(o, "family", file, n),
    };
    if (typeof o.answer === "string" && o.answer.trim() !== "") q.answer = o.answer;
    out.push(q);
  }
  if (out.length === 0) throw new InputError("no queries", { file });
  return out;
}

function checkQrels(file: string, qrels: Qrels, split: readonly TestbedQueryRecord[], corpus: ReadonlySet<string>): void {
  const qids = new Set(split.map((q) => q.id));
  // The parsed qrels keep no line numbers; find the offending line again for the message.
  const lineOf = (qid: string, docid?: string): number | undefined => {
    const lines = readTextFile(file).split("\n");
    const i = lines.findIndex((l) => {
      const f = l.trim().split(/\s+/);
      return f[0] === qid && (docid === undefined || f[2] === docid);
    });
    return i < 0 ? undefined : i + 1;
  };
  for (const [qid, judged] of qrels) {
    if (!qids.has(qid)) throw new InputError(`qrels name query "${qid}", which is not in the split`, { file, line: lineOf(qid) });
    for (const d of judged.keys()) if (!corpus.has(d)) throw new InputError(`qrels for "${qid}" name document "${d}", which is not in corpus.jsonl`, { file, line: lineOf(qid, d) });
  }
  if (![...qrels.values()].some((m) => [...m.values()].some((r) => r > 0))) throw new InputError("no relevant judgment (rel > 0)", { file });
}

/** Reads a testbed directory (t1 testbed make's output or any other in the same format). */
export function readTestbed(dir: string): TestbedDir {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new T1Error("NOT_FOUND", `${dir}: no such testbed directory`);
  const missing = TESTBED_FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length) throw new T1Error("NOT_FOUND", `${dir}: not a testbed directory (missing ${missing.join(", ")})`);
  const path = (f: string): string => join(dir, f);

  const instructionFile = path("instruction.txt");
  const lines = readTextFile(instructionFile).split("\n").map((l) => l.trim()).filter((l) => l !== "");
  if (lines.length !== 1) throw new InputError(`expected exactly one non-empty line, got ${lines.length}`, { file: instructionFile });

  const corpus = readCorpus(path("corpus.jsonl"));
  const docIds = new Set(corpus.map((d) => d.id));
  const pretrain: string[] = [];
  for (const [o, n] of jsonlObjects(path("pretrain.jsonl"))) pretrain.push(str(o, "text", path("pretrain.jsonl"), n));

  const seen = new Map<string, string>();
  const train = readSplit(path("train.jsonl"), docIds, seen);
  const dev = readSplit(path("dev.jsonl"), docIds, seen);
  const test = readSplit(path("test.jsonl"), docIds, seen);
  const qrelsDev = readQrels(path("qrels.dev.txt"));
  const qrelsTest = readQrels(path("qrels.test.txt"));
  checkQrels(path("qrels.dev.txt"), qrelsDev, dev, docIds);
  checkQrels(path("qrels.test.txt"), qrelsTest, test, docIds);
  return { dir, instruction: lines[0]!, corpus, pretrain, train, dev, test, qrelsDev, qrelsTest };
}
