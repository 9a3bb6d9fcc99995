/**
 * Builds a BM25 index file in segments so a killed build resumes where it stopped: every
 * `segmentDocs` documents the builder's slice is saved as a segment file (atomically) and recorded in
 * a manifest; a restart with the same job key skips the documents already in segments. At the end
 * the segments are merged into the exact index a one-shot build gives, and the work folder removed.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Document } from "../../data/types.js";
import { writeFileAtomic } from "../../util/atomic.js";
import { InputError } from "../../util/errors.js";
import { Progress } from "../../util/progress.js";
import { Bm25IndexBuilder, type Bm25BuildOptions } from "./build.js";
import { openBm25Index, type Bm25Index } from "./inverted-index.js";
import { mergeBm25Indexes } from "./merge.js";

export interface ResumableBuildOptions extends Bm25BuildOptions {
  /**
   * Identifies the input (e.g. corpus path + size + mtime): segments from another job are discarded.
   * Default: the source name only, which cannot notice a corpus edited in place.
   */
  jobKey?: string;
  /** Documents per segment. Default 100,000: a kill loses at most that much work; smaller means more files and a longer merge. */
  segmentDocs?: number;
  /** Folder for segments and the manifest. Default `<out>.parts`. */
  workDir?: string;
}

interface Manifest {
  version: 1;
  jobKey: string;
  settings: string;
  segments: { file: string; docs: number }[];
}

/** Builds (or finishes building) the index at `outPath`; returns it. */
export async function buildBm25IndexResumable(
  docs: Iterable<Document> | AsyncIterable<Document>,
  outPath: string,
  opts: ResumableBuildOptions = {},
): Promise<Bm25Index> {
  const workDir = opts.workDir ?? `${outPath}.parts`;
  const segmentDocs = opts.segmentDocs ?? 100_000;
  const jobKey = opts.jobKey ?? opts.source ?? "";
  const settings = JSON.stringify({ k1: opts.k1 ?? 0.9, b: opts.b ?? 0.4, variant: opts.variant ?? "lucene" });
  const manifestPath = join(workDir, "manifest.json");
  let manifest: Manifest = { version: 1, jobKey, settings, segments: [] };
  if (existsSync(manifestPath)) {
    const old = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
    const usable = old.version === 1 && old.jobKey === jobKey && old.settings === settings && old.segments.every((s) => existsSync(join(workDir, s.file)));
    if (usable) manifest = old;
    else rmSync(workDir, { recursive: true, force: true });
  }
  mkdirSync(workDir, { recursive: true });
  const skip = manifest.segments.reduce((s, x) => s + x.docs, 0);
  const progress = new Progress("bm25 index", opts.expectedDocs, { unit: "docs", quiet: opts.quiet });
  if (skip > 0 && !opts.quiet) process.stderr.write(`bm25 index: resuming after ${skip} documents already in ${manifest.segments.length} segment(s)\n`);
  progress.tick(skip);

  const segOpts: Bm25BuildOptions = { ...opts, quiet: true, expectedDocs: undefined };
  let builder = new Bm25IndexBuilder(segOpts);
  let inSegment = 0;
  const flush = (): void => {
    const file = `segment-${String(manifest.segments.length).padStart(5, "0")}.bm25`;
    builder.finish().save(join(workDir, file));
    manifest.segments.push({ file, docs: inSegment });
    writeFileAtomic(manifestPath, JSON.stringify(manifest));
    builder = new Bm25IndexBuilder(segOpts);
    inSegment = 0;
  };
  let seen = 0;
  const take = (d: Document): void => {
    if (seen++ < skip) return;
    builder.add(d);
    inSegment++;
    progress.tick();
    if (inSegment === segmentDocs) flush();
  };
  if (Symbol.asyncIterator in docs) for await (const d of docs as AsyncIterable<Document>) take(d);
  else for (const d of docs as Iterable<Document>) take(d);
  if (seen === 0) {
    rmSync(workDir, { recursive: true, force: true });
    throw new InputError(`the corpus has no documents (expected JSONL lines {"id", "text"}); nothing to index`, opts.source ? { file: opts.source } : {});
  }
  if (inSegment > 0 || manifest.segments.length === 0) flush();
  progress.finish();

  const parts = manifest.segments.map((s) => openBm25Index(join(workDir, s.file)));
  const index = parts.length === 1 ? parts[0]! : mergeBm25Indexes(parts);
  index.save(outPath);
  rmSync(workDir, { recursive: true, force: true });
  return index;
}
