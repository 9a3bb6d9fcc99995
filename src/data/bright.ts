import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { InputError, T1Error } from "../util/errors.js";
import { sharedPath } from "../util/paths.js";
import { Progress } from "../util/progress.js";
import { readQrels } from "./trec-files.js";
import { readTextFile } from "./text-file.js";
import type { Qrels, Run } from "./types.js";
import { rankRun } from "./ranking.js";
import type { Document, Query } from "./types.js";
import { iterateJsonl } from "./jsonl.js";
import { iterateParquetRows } from "./parquet.js";
import { brightFileName, brightInstruction, normalizeBrightDomain, BRIGHT_LONG_DOMAINS, type BrightDomain } from "./bright-domains.js";

/** One row of BRIGHT's `examples` (or a `<model>_reason`) config. "N/A" placeholders are removed. */
export interface BrightExample {
  id: string;
  query: string;
  reasoning?: string;
  goldIds: string[];
  goldIdsLong: string[];
  excludedIds: string[];
  goldAnswer?: string;
}

/** Where the files of the shared Anserini-style copy live: `dir` or ../shared/data/bright. */
function brightSharedDir(dir: string | undefined): string {
  const d = dir ?? sharedPath("data", "bright");
  if (!d || !existsSync(d)) throw new T1Error("NOT_FOUND", `BRIGHT topic/qrels folder not found${dir ? ` at ${dir}` : ""}: pass the folder holding topics.bright-<domain>-original.jsonl.gz, or set T1_SHARED_DIR`);
  return d;
}

function stringList(v: unknown, field: string, file: string, line: number): string[] {
  if (v === undefined || v === null) return [];
  // Parquet list columns may decode as arrays of strings; anything else is malformed.
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw new InputError(`expected a list of strings`, { file, line, field });
  return (v as string[]).filter((x) => x !== "N/A");
}

function optionalText(v: unknown, field: string, file: string, line: number): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw new InputError(`expected a string, got ${typeof v}`, { file, line, field });
  return v === "N/A" || v === "empty" || v === "" ? undefined : v;
}

/** Converts one `examples` row (JSON or Parquet) to a BrightExample, naming file:line on bad fields. */
export function toBrightExample(row: Record<string, unknown>, file: string, line: number): BrightExample {
  const id = row.id;
  if (typeof id !== "string" && typeof id !== "number") throw new InputError(`expected an "id" string in a BRIGHT example row`, { file, line, field: "id" });
  if (typeof row.query !== "string") throw new InputError(`expected a "query" string in a BRIGHT example row`, { file, line, field: "query" });
  const ex: BrightExample = {
    id: String(id),
    query: row.query,
    goldIds: stringList(row.gold_ids, "gold_ids", file, line),
    goldIdsLong: stringList(row.gold_ids_long, "gold_ids_long", file, line),
    excludedIds: stringList(row.excluded_ids, "excluded_ids", file, line),
  };
  const reasoning = optionalText(row.reasoning, "reasoning", file, line);
  if (reasoning !== undefined) ex.reasoning = reasoning;
  const answer = optionalText(row.gold_answer, "gold_answer", file, line);
  if (answer !== undefined) ex.goldAnswer = answer;
  return ex;
}

/** Reads the shared `topics.bright-<domain>-original.jsonl.gz` (BRIGHT's `examples` rows verbatim). */
export async function loadBrightTopics(domainName: string, opts: { dir?: string } = {}): Promise<BrightExample[]> {
  const domain = normalizeBrightDomain(domainName);
  const path = join(brightSharedDir(opts.dir), `topics.bright-${brightFileName(domain)}-original.jsonl.gz`);
  const out: BrightExample[] = [];
  for await (const [row, n] of iterateJsonl(path)) out.push(toBrightExample(row, path, n));
  return out;
}

/** The official qrels file `qrels.bright-<domain>.txt` (equal to gold_ids). */
export function loadBrightQrelsFile(domainName: string, opts: { dir?: string } = {}): Qrels {
  const domain = normalizeBrightDomain(domainName);
  return readQrels(join(brightSharedDir(opts.dir), `qrels.bright-${brightFileName(domain)}.txt`));
}

/** Qrels from examples, as the official code builds them: every gold id (or gold_ids_long) at level 1. */
export function brightQrels(examples: readonly BrightExample[], opts: { longDocuments?: boolean } = {}): Qrels {
  const qrels: Qrels = new Map();
  for (const e of examples) {
    const ids = opts.longDocuments ? e.goldIdsLong : e.goldIds;
    if (ids.length === 0) continue;
    qrels.set(e.id, new Map(ids.map((d) => [d, 1])));
  }
  return qrels;
}

/** Query texts: the `query` field, which in `<model>_reason` configs is the LLM-written reasoning. */
export function brightQueries(examples: readonly BrightExample[]): Query[] {
  return examples.map((e) => ({ id: e.id, text: e.query }));
}

/** Per-query document ids to drop before ranking: `excluded_ids` (minus "N/A"), plus any extra lists. */
export type Exclusions = Map<string, Set<string>>;

export function brightExclusions(examples: readonly BrightExample[], ...extra: Exclusions[]): Exclusions {
  const ex: Exclusions = new Map();
  const add = (qid: string, d: string) => {
    let s = ex.get(qid);
    if (!s) ex.set(qid, (s = new Set()));
    s.add(d);
  };
  for (const e of examples) for (const d of e.excludedIds) add(e.id, d);
  for (const m of extra) for (const [qid, s] of m) for (const d of s) add(qid, d);
  return ex;
}

/** Reads `qid docid` exclusion lines (Anserini's exclude.bright-leetcode.txt). */
export function readExclusionsFile(path: string): Exclusions {
  const ex: Exclusions = new Map();
  readTextFile(path).split("\n").forEach((raw, i) => {
    const l = raw.trim();
    if (!l || l.startsWith("#")) return;
    const f = l.split(/\s+/);
    if (f.length !== 2) throw new InputError(`expected \`qid docid\`, got ${f.length} fields: "${l.slice(0, 80)}"`, { file: path, line: i + 1 });
    let s = ex.get(f[0]!);
    if (!s) ex.set(f[0]!, (s = new Set()));
    s.add(f[1]!);
  });
  return ex;
}

/** All exclusions for a domain from the shared copy: topics' excluded_ids, plus leetcode's file. */
export async function loadBrightExclusions(domainName: string, opts: { dir?: string } = {}): Promise<Exclusions> {
  const domain = normalizeBrightDomain(domainName);
  const examples = await loadBrightTopics(domain, opts);
  const extra: Exclusions[] = [];
  if (domain === "leetcode") {
    const p = join(brightSharedDir(opts.dir), "exclude.bright-leetcode.txt");
    if (existsSync(p)) extra.push(readExclusionsFile(p));
  }
  return brightExclusions(examples, ...extra);
}

/**
 * The official BRIGHT protocol step: drop each query's excluded ids from its scored list, THEN keep
 * the top k (default 1000) by score. Returns the cut run and how many scored documents were dropped
 * (callers log it: reruns disagree with papers when exclusions differ). Ties at the cut follow
 * trec_eval's order (docid descending), where the official Python keeps corpus order.
 */
export function applyExclusions(run: Run, exclusions: Exclusions, k = 1000): { run: Run; dropped: number; droppedPerQuery: Map<string, number> } {
  if (!Number.isInteger(k) || k <= 0) throw new InputError(`applyExclusions: k must be a positive integer, got ${k}`);
  const out: Run = new Map();
  const droppedPerQuery = new Map<string, number>();
  let dropped = 0;
  for (const [qid, docs] of run) {
    const ex = exclusions.get(qid);
    const kept = ex ? docs.filter((d) => !ex.has(d.docid)) : docs;
    const n = docs.length - kept.length;
    if (n > 0) droppedPerQuery.set(qid, n);
    dropped += n;
    out.set(qid, rankRun(kept).slice(0, k));
  }
  return { run: out, dropped, droppedPerQuery };
}

// ---- The Hugging Face layout of xlangai/BRIGHT, as downloaded to a local folder ----

/** Configs of xlangai/BRIGHT: examples, documents, long_documents, and `<model>_reason` query sets. */
export type BrightConfig = "examples" | "documents" | "long_documents" | `${string}_reason`;

/**
 * Files of one config and domain: `<dir>/<config>/<domain>-00000-of-00001.parquet` (Hugging Face
 * shards, any count), `<domain>.parquet`, `<domain>.jsonl` or `<domain>.jsonl.gz`, domain in either
 * spelling. Sorted so shards are read in order.
 */
export function findBrightFiles(dir: string, config: string, domainName: string): string[] {
  const domain = normalizeBrightDomain(domainName);
  const folder = join(dir, config);
  if (!existsSync(folder)) throw new T1Error("NOT_FOUND", `${folder}: missing; expected the "${config}" config of xlangai/BRIGHT there (t1 can download it: downloadBrightDataset)`);
  const stems = new Set([domain, brightFileName(domain)]);
  const files = readdirSync(folder)
    .filter((f) => {
      const m = /^(.+?)(-\d{5}-of-\d{5})?\.(parquet|jsonl|jsonl\.gz)$/.exec(f);
      return m !== null && stems.has(m[1]!) && (m[2] === undefined || m[3] === "parquet");
    })
    .sort();
  if (files.length === 0) throw new T1Error("NOT_FOUND", `${folder}: no file for domain "${domain}" (expected ${domain}-00000-of-00001.parquet or ${domain}.jsonl)`);
  return files.map((f) => join(folder, f));
}

async function* rowsOf(files: string[], columns?: string[]): AsyncGenerator<[Record<string, unknown>, number, string]> {
  for (const f of files) {
    const it = f.endsWith(".parquet") ? iterateParquetRows(f, columns) : iterateJsonl(f);
    for await (const [row, n] of it) yield [row, n, f];
  }
}

/** Streams a domain's documents (`documents` or `long_documents`): rows `{id, content}`. */
/** Options for reading BRIGHT documents. */
export interface BrightDocumentOptions {
  /** Read `long_documents` instead of `documents`. Default false (BRIGHT's primary setting). */
  longDocuments?: boolean;
  /** Report progress on stderr (count and rate). Default false: quiet for library use; jobs turn it on. */
  progress?: boolean;
}

export async function* iterateBrightDocuments(dir: string, domainName: string, opts: BrightDocumentOptions = {}): AsyncGenerator<Document> {
  const domain = normalizeBrightDomain(domainName);
  if (opts.longDocuments && !BRIGHT_LONG_DOMAINS.includes(domain)) throw new InputError(`BRIGHT domain "${domain}" has no long documents`);
  const files = findBrightFiles(dir, opts.longDocuments ? "long_documents" : "documents", domain);
  const progress = new Progress(`BRIGHT ${domain} ${opts.longDocuments ? "long documents" : "documents"}`, undefined, { unit: "docs", quiet: !opts.progress });
  for await (const [row, n, f] of rowsOf(files, files[0]!.endsWith(".parquet") ? ["id", "content"] : undefined)) {
    if (typeof row.id !== "string" && typeof row.id !== "number") throw new InputError(`expected a document "id"`, { file: f, line: n, field: "id" });
    if (typeof row.content !== "string") throw new InputError(`expected a "content" string`, { file: f, line: n, field: "content" });
    progress.tick();
    yield { id: String(row.id), text: row.content };
  }
  progress.finish();
}

export async function loadBrightDocuments(dir: string, domainName: string, opts: BrightDocumentOptions = {}): Promise<Document[]> {
  const docs: Document[] = [];
  for await (const d of iterateBrightDocuments(dir, domainName, opts)) docs.push(d);
  return docs;
}

/** A domain's rows of `examples` or of a `<model>_reason` config (e.g. "gpt4_reason"). */
export async function loadBrightExamples(dir: string, domainName: string, opts: { config?: string } = {}): Promise<BrightExample[]> {
  const config = opts.config ?? "examples";
  if (config !== "examples" && !/^[A-Za-z0-9.-]+_reason$/.test(config)) throw new InputError(`BRIGHT query config must be "examples" or "<model>_reason", got "${config}"`);
  const out: BrightExample[] = [];
  for await (const [row, n, f] of rowsOf(findBrightFiles(dir, config, domainName))) out.push(toBrightExample(row, f, n));
  return out;
}

export type { BrightDomain };

/** Everything one BRIGHT task needs, from a local copy of the Hugging Face layout. */
export interface BrightTask {
  domain: BrightDomain;
  documents: Document[];
  queries: Query[];
  qrels: Qrels;
  exclusions: Exclusions;
  /** BRIGHT's query instruction for the task (see brightInstruction). */
  instruction: string;
  longDocuments: boolean;
}

/** Options for loadBrightTask. */
export interface BrightTaskOptions {
  /** Use `long_documents` and `gold_ids_long`. Default false (BRIGHT's primary setting). */
  longDocuments?: boolean;
  /**
   * Query set: "examples" (original queries, the default) or a `<model>_reason` config such as
   * "gpt4_reason" (LLM-written reasoning as the query). As in the official run.py, that config's
   * rows also supply the gold ids and exclusions (they repeat the examples').
   */
  queries?: string;
  /** Extra `qid docid` exclusion files (e.g. Anserini's exclude.bright-leetcode.txt). Default none. */
  exclusionFiles?: string[];
  /** Report document-reading progress on stderr. Default false. */
  progress?: boolean;
}

/** Loads one domain: documents, queries, qrels, exclusions and instruction, as the official protocol uses them. */
export async function loadBrightTask(dir: string, domainName: string, opts: BrightTaskOptions = {}): Promise<BrightTask> {
  const domain = normalizeBrightDomain(domainName);
  const longDocuments = opts.longDocuments ?? false;
  const rows = await loadBrightExamples(dir, domain, { config: opts.queries ?? "examples" });
  return {
    domain,
    documents: await loadBrightDocuments(dir, domain, { longDocuments, progress: opts.progress }),
    queries: brightQueries(rows),
    qrels: brightQrels(rows, { longDocuments }),
    exclusions: brightExclusions(rows, ...(opts.exclusionFiles ?? []).map(readExclusionsFile)),
    instruction: brightInstruction(domain, { longDocuments }),
    longDocuments,
  };
}
