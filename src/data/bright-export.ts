/**
 * Writes one BRIGHT task as the plain files the rest of t1 reads: a JSONL corpus for `t1 index`,
 * JSONL queries for `t1 run`, TREC qrels for `t1 evaluate`, and `qid docid` exclusions for
 * `t1 run --exclusions` (BRIGHT drops each query's excluded ids before the top-k cut).
 */
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.js";
import { InputError } from "../util/errors.js";
import { formatQrels } from "./trec-files.js";
import type { BrightTask } from "./bright.js";

export interface BrightExportFiles {
  documents: string;
  queries: string;
  qrels: string;
  exclusions: string;
  /** task.json: domain, instruction, setting and counts. */
  task: string;
}

/** Ids go into whitespace-separated TREC files: a blank inside one would shift every field after it. */
function checkId(kind: string, id: string): void {
  if (/\s/.test(id) || id === "") throw new InputError(`BRIGHT ${kind} id ${JSON.stringify(id)} is empty or holds whitespace, which TREC run and qrels files cannot carry`);
}

function jsonLines(rows: readonly object[]): Buffer[] {
  const chunks: Buffer[] = [];
  let part: string[] = [];
  let size = 0;
  for (const r of rows) {
    const line = JSON.stringify(r) + "\n";
    part.push(line);
    size += line.length;
    // Bounded string pieces: one string for a whole BRIGHT corpus can exceed V8's string limit.
    if (size > 1 << 24) {
      chunks.push(Buffer.from(part.join(""), "utf8"));
      part = [];
      size = 0;
    }
  }
  chunks.push(Buffer.from(part.join(""), "utf8"));
  return chunks;
}

export function exportBrightTask(task: BrightTask, outDir: string, source?: string): BrightExportFiles {
  for (const d of task.documents) checkId("document", d.id);
  for (const q of task.queries) checkId("query", q.id);
  const files: BrightExportFiles = {
    documents: join(outDir, "documents.jsonl"),
    queries: join(outDir, "queries.jsonl"),
    qrels: join(outDir, "qrels.txt"),
    exclusions: join(outDir, "exclusions.txt"),
    task: join(outDir, "task.json"),
  };
  writeFileAtomic(files.documents, jsonLines(task.documents.map((d) => (d.title === undefined ? { id: d.id, text: d.text } : { id: d.id, text: d.text, title: d.title }))));
  writeFileAtomic(files.queries, jsonLines(task.queries.map((q) => ({ id: q.id, text: q.text }))));
  writeFileAtomic(files.qrels, formatQrels(task.qrels));
  const ex: string[] = [];
  for (const [qid, ids] of task.exclusions) for (const d of ids) ex.push(`${qid} ${d}\n`);
  writeFileAtomic(files.exclusions, ex.join(""));
  const meta = {
    domain: task.domain,
    instruction: task.instruction,
    longDocuments: task.longDocuments,
    documents: task.documents.length,
    queries: task.queries.length,
    judged: [...task.qrels.values()].reduce((a, m) => a + m.size, 0),
    excluded: ex.length,
    ...(source ? { source } : {}),
  };
  writeFileAtomic(files.task, JSON.stringify(meta, null, 2) + "\n");
  return files;
}
