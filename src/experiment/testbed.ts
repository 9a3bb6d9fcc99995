/**
 * Reads a reasoning-retrieval testbed directory (the contract of `t1 testbed make`, and of any
 * directory someone else writes in the same format):
 *   corpus.jsonl {id, text}; pretrain.jsonl {text};
 *   train.jsonl / dev.jsonl / test.jsonl {id, query, positives, negatives, reasoning, family, answer?};
 *   qrels.dev.txt, qrels.test.txt (TREC); instruction.txt (one line).
 * Every problem is an InputError naming the file, line and field.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readDocuments } from "../data/jsonl.js";
import type { Document } from "../data/types.js";
import { readQrels, readTextFile } from "../eval/trec-files.js";
import type { Qrels } from "../eval/types.js";
import { InputError, T1Error } from "../util/errors.js";

export type SplitName = "train" | "dev" | "test";

export interface TestbedQuery {
  id: string;
  query: string;
  /** Relevant document ids (at least one). */
  positives: string[];
  /** Hard-negative document ids (may be empty). */
  negatives: string[];
  /** Gold reasoning trajectory (the stage-2 teacher). */
  reasoning: string;
  family: string;
  /** The answer entity, when the testbed states it. */
  answer?: string;
}

export interface Testbed {
  dir: string;
  corpus: Document[];
  corpusById: Map<string, Document>;
  pretrain: string[];
  splits: Record<SplitName, TestbedQuery[]>;
  qrels: { dev: Qrels; test: Qrels };
  instruction: string;
}

export const TESTBED_FILES = ["corpus.jsonl", "pretrain.jsonl", "train.jsonl", "dev.jsonl", "test.jsonl", "qrels.dev.txt", "qrels.test.txt", "instruction.txt"] as const;

export function readTestbed(dir: string): Testbed {
  for (const f of TESTBED_FILES) {
    if (!existsSync(join(dir, f))) throw new T1Error("NOT_FOUND", `${join(dir, f)}: no such file (a testbed directory holds ${TESTBED_FILES.join(", ")})`);
  }
  const corpus = readDocuments(join(dir, "corpus.jsonl"));
  if (!corpus.length) throw new InputError("no documents", { file: join(dir, "corpus.jsonl") });
  const corpusById = new Map(corpus.map((d) => [d.id, d]));
  const pretrain = jsonLines(join(dir, "pretrain.jsonl")).map(([o, line, file]) => stringField(o, "text", file, line));
  const splits = {
    train: readSplit(join(dir, "train.jsonl"), corpusById),
    dev: readSplit(join(dir, "dev.jsonl"), corpusById),
    test: readSplit(join(dir, "test.jsonl"), corpusById),
  };
  const instruction = readTextFile(join(dir, "instruction.txt")).split("\n")[0]!.trim();
  const qrels = { dev: readQrels(join(dir, "qrels.dev.txt")), test: readQrels(join(dir, "qrels.test.txt")) };
  for (const s of ["dev", "test"] as const) {
    const file = join(dir, `qrels.${s}.txt`);
    for (const q of splits[s]) if (!qrels[s].has(q.id)) throw new InputError(`query "${q.id}" of ${s}.jsonl has no judgments`, { file });
    for (const [qid, docs] of qrels[s]) for (const d of docs.keys()) if (!corpusById.has(d)) throw new InputError(`query "${qid}": document "${d}" is not in corpus.jsonl`, { file });
  }
  return { dir, corpus, corpusById, pretrain, splits, qrels, instruction };
}

function jsonLines(file: string): [Record<string, unknown>, number, string][] {
  const out: [Record<string, unknown>, number, string][] = [];
  readTextFile(file).split("\n").forEach((l, i) => {
    const s = l.trim();
    if (!s) return;
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch (e) {
      throw new InputError(`not valid JSON (${(e as Error).message})`, { file, line: i + 1 });
    }
    if (!v || typeof v !== "object" || Array.isArray(v)) throw new InputError("expected a JSON object", { file, line: i + 1 });
    out.push([v as Record<string, unknown>, i + 1, file]);
  });
  if (!out.length) throw new InputError("no rows", { file });
  return out;
}

function stringField(o: Record<string, unknown>, field: string, file: string, line: number, optional = false): string {
  const v = o[field];
  if (v === undefined || v === null) {
    if (optional) return "";
    throw new InputError("missing", { file, line, field });
  }
  if (typeof v === "number" && field === "id") return String(v);
  if (typeof v !== "string") throw new InputError(`expected a string, got ${Array.isArray(v) ? "an array" : typeof v}`, { file, line, field });
  if (!optional && !v.trim()) throw new InputError("empty", { file, line, field });
  return v;
}

function idList(o: Record<string, unknown>, field: string, file: string, line: number, corpus: Map<string, Document>, required: boolean): string[] {
  const v = o[field];
  if (v === undefined || v === null) {
    if (required) throw new InputError("missing", { file, line, field });
    return [];
  }
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string" && typeof x !== "number")) throw new InputError("expected a list of document ids", { file, line, field });
  const ids = v.map(String);
  if (required && !ids.length) throw new InputError("empty list", { file, line, field });
  for (const id of ids) if (!corpus.has(id)) throw new InputError(`"${id}" is not a document id of corpus.jsonl`, { file, line, field });
  return ids;
}

function readSplit(file: string, corpus: Map<string, Document>): TestbedQuery[] {
  const seen = new Set<string>();
  return jsonLines(file).map(([o, line]) => {
    const id = stringField(o, "id", file, line);
    if (seen.has(id)) throw new InputError(`query id "${id}" appears twice`, { file, line, field: "id" });
    seen.add(id);
    const answer = o.answer === undefined || o.answer === null ? undefined : stringField(o, "answer", file, line);
    return {
      id,
      query: stringField(o, "query", file, line),
      positives: idList(o, "positives", file, line, corpus, true),
      negatives: idList(o, "negatives", file, line, corpus, false),
      reasoning: stringField(o, "reasoning", file, line).trim(),
      family: stringField(o, "family", file, line, true) || "all",
      ...(answer !== undefined ? { answer } : {}),
    };
  });
}

/** Every text of the testbed a tokenizer or language model may learn from (never dev/test). */
export function trainingTexts(t: Testbed): string[] {
  return [t.instruction, ...t.pretrain, ...t.corpus.map((d) => d.text), ...t.splits.train.flatMap((q) => [q.query, q.reasoning])];
}
