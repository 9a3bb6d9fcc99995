/**
 * The experiment's view of a testbed directory (read and validated by src/data/testbed, the
 * format's one reader): splits by name, documents by id, and the text a tokenizer or base model may
 * learn from.
 */
import type { Document } from "../data/types.js";
import type { Qrels } from "../data/types.js";
import { readTestbed as readTestbedDir, type TestbedQueryRecord } from "../data/testbed/read.js";

export type SplitName = "train" | "dev" | "test";
export type TestbedQuery = TestbedQueryRecord;

export interface Testbed {
  dir: string;
  corpus: Document[];
  corpusById: Map<string, Document>;
  pretrain: string[];
  splits: Record<SplitName, TestbedQuery[]>;
  qrels: { dev: Qrels; test: Qrels };
  instruction: string;
}

export function readTestbed(dir: string): Testbed {
  const t = readTestbedDir(dir);
  const strip = (qs: TestbedQuery[]) => qs.map((q) => ({ ...q, reasoning: q.reasoning.trim() }));
  return {
    dir, corpus: t.corpus, corpusById: new Map(t.corpus.map((d) => [d.id, d])), pretrain: t.pretrain,
    splits: { train: strip(t.train), dev: strip(t.dev), test: strip(t.test) }, qrels: { dev: t.qrelsDev, test: t.qrelsTest }, instruction: t.instruction,
  };
}

/** Every text of the testbed a tokenizer or language model may learn from (never dev/test). */
export function trainingTexts(t: Testbed): string[] {
  return [t.instruction, ...t.pretrain, ...t.corpus.map((d) => d.text), ...t.splits.train.flatMap((q) => [q.query, q.reasoning])];
}
