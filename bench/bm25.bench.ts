/**
 * BM25 throughput: t1 against Lucene 8.7 (scripts/lucene/LuceneBm25.java) doing the same work in
 * the same run: index a corpus (EnglishAnalyzer, BM25 k1=0.9 b=0.4), then rank every query (top
 * 1000, best of several passes). Cases: Vaswani (11,429 docs, 93 queries) and a synthetic Zipfian
 * corpus (1M documents by default). Both sides read the same TSV file into memory before timing
 * starts; timings exclude process/JVM start. Peak RSS per side is measured with /usr/bin/time (each
 * side runs in its own process, corpus text included). Writes bench/results/bm25.json.
 *
 *   npx tsx bench/bm25.bench.ts [--docs N] [--queries N]
 */
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../src/util/atomic.js";
import { packageRoot } from "../src/util/paths.js";
import { loadClassicCollection } from "../src/data/classic.js";
import { buildBm25IndexSync, openBm25Index } from "../src/retrieval/bm25/index.js";
import { luceneReference, writeTsv } from "../test/retrieval/bm25/lucene-reference.js";
import { uniformStream } from "../src/util/mulberry32.js";

const root = packageRoot();
const argv = process.argv.slice(2);
const argOf = (name: string, dflt: number): number => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};

function readTsv(path: string): { id: string; text: string }[] {
  const unescape = (s: string): string => (s.includes("\\") ? s.replace(/\\(.)/g, (_, c: string) => (c === "t" ? "\t" : c === "n" ? "\n" : c === "r" ? "\r" : c)) : s);
  const out: { id: string; text: string }[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line) continue;
    const tab = line.indexOf("\t");
    out.push({ id: unescape(line.slice(0, tab)), text: unescape(line.slice(tab + 1)) });
  }
  return out;
}

interface SideResult {
  docs: number;
  queries: number;
  indexMs: number;
  searchMs: number;
  /** Process CPU time (all threads) for the same phases: robust when the machine is oversubscribed. */
  cpuIndexMs: number;
  cpuSearchMs: number;
  maxRssMB?: number;
  openMs?: number;
  indexBytes?: number;
}

/** Worker: our side of one case, in its own process so its peak RSS is its own. */
function worker(docsPath: string, queriesPath: string, outPath: string, k: number, passes: number): void {
  const docs = readTsv(docsPath);
  const queries = readTsv(queriesPath);
  const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const index = buildBm25IndexSync(docs, { quiet: true });
  const indexMs = performance.now() - t0;
  const cpuIndexMs = cpuMs(process.cpuUsage(c0));
  let searchMs = Infinity, cpuSearchMs = Infinity;
  let lines: string[] = [];
  for (let p = 0; p < passes; p++) {
    const s0 = performance.now();
    const sc0 = process.cpuUsage();
    const results = queries.map((q) => index.search(q.text, { k }));
    searchMs = Math.min(searchMs, performance.now() - s0);
    cpuSearchMs = Math.min(cpuSearchMs, cpuMs(process.cpuUsage(sc0)));
    lines = results.flatMap((hits, qi) => hits.map((h, r) => `${queries[qi]!.id} Q0 ${h.docid} ${r + 1} ${h.score} t1\n`));
  }
  writeFileAtomic(outPath, lines.join(""));
  const idxPath = outPath + ".bm25";
  index.save(idxPath);
  const o0 = performance.now();
  openBm25Index(idxPath);
  const openMs = performance.now() - o0;
  const indexBytes = statSync(idxPath).size;
  rmSync(idxPath);
  const res: SideResult = { docs: docs.length, queries: queries.length, indexMs, searchMs, cpuIndexMs, cpuSearchMs, openMs, indexBytes };
  process.stdout.write(JSON.stringify(res) + "\n");
}

/** Runs a command under /usr/bin/time to get its peak RSS; returns its stdout's last JSON line. */
function timed(cmd: string, args: string[]): SideResult {
  const rssFile = join(tmpdir(), `t1-bench-rss-${process.pid}-${Date.now()}`);
  const useTime = existsSync("/usr/bin/time");
  const r = useTime
    ? spawnSync("/usr/bin/time", ["-f", "%M", "-o", rssFile, cmd, ...args], { encoding: "utf8", maxBuffer: 1 << 26, cwd: root })
    : spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 26, cwd: root });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  const res = JSON.parse(r.stdout.trim().split("\n").pop()!) as SideResult;
  if (useTime) {
    res.maxRssMB = Number(readFileSync(rssFile, "utf8").trim().split("\n").pop()) / 1024;
    rmSync(rssFile, { force: true });
  }
  return res;
}

/** Deterministic PRNG (mulberry32), so the synthetic corpus is the same on every run. */
const rng = uniformStream;

const CONS = "bcdfghjklmnprstvz", VOWELS = "aeiou";
function wordFor(rank: number): string {
  let n = rank + 85; // at least two syllables
  let w = "";
  while (n > 0) {
    const syl = n % 85;
    w += CONS[syl % 17]! + VOWELS[Math.floor(syl / 17)]!;
    n = Math.floor(n / 85);
  }
  return w;
}

/** Writes a Zipfian corpus (vocabulary 200k, s = 1.07, 20–80 tokens per document) and queries. */
function writeSynthetic(dir: string, numDocs: number, numQueries: number): void {
  const V = 200_000;
  const cdf = new Float64Array(V);
  let acc = 0;
  for (let r = 0; r < V; r++) cdf[r] = acc += 1 / (r + 1) ** 1.07;
  for (let r = 0; r < V; r++) cdf[r]! /= acc;
  const words = Array.from({ length: V }, (_, r) => wordFor(r));
  const rand = rng(42);
  const sample = (): string => {
    const u = rand();
    let lo = 0, hi = V - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
  const fd = openSync(join(dir, "docs.tsv"), "w");
  let chunk: string[] = [];
  for (let d = 0; d < numDocs; d++) {
    const len = 20 + Math.floor(rand() * 61);
    const toks: string[] = new Array(len);
    for (let i = 0; i < len; i++) toks[i] = sample();
    chunk.push(`doc${d}\t${toks.join(" ")}\n`);
    if (chunk.length === 10_000) {
      writeSync(fd, chunk.join(""));
      chunk = [];
    }
  }
  writeSync(fd, chunk.join(""));
  closeSync(fd);
  const q: string[] = [];
  for (let i = 0; i < numQueries; i++) {
    const n = 3 + Math.floor(rand() * 3);
    q.push(`q${i}\t${Array.from({ length: n }, () => words[100 + Math.floor(rand() * 50_000)]).join(" ")}\n`);
  }
  writeFileAtomic(join(dir, "queries.tsv"), q.join(""));
}

function top10Agreement(oursPath: string, lucenePath: string): number {
  const parse = (p: string): Map<string, string[]> => {
    const m = new Map<string, string[]>();
    for (const line of readFileSync(p, "utf8").split("\n")) {
      if (!line) continue;
      const [q, , d] = line.split(" ");
      const l = m.get(q!) ?? [];
      if (l.length < 10) l.push(d!);
      m.set(q!, l);
    }
    return m;
  };
  const a = parse(oursPath), b = parse(lucenePath);
  let same = 0;
  for (const [q, l] of b) if ((a.get(q) ?? []).join() === l.join()) same++;
  return b.size ? same / b.size : 1;
}

function main(): void {
  const ref = luceneReference();
  if ("skip" in ref) throw new Error(`bm25 bench needs the Lucene reference: ${ref.skip}`);
  const dir = mkdtempSync(join(tmpdir(), "t1-bm25-bench-"));
  const results: object[] = [];
  const notes: string[] = [];
  const cases: { name: string; prepare: () => void; passes: number }[] = [];
  const vaswani = (() => {
    try {
      return loadClassicCollection("vaswani");
    } catch {
      return undefined;
    }
  })();
  if (vaswani) {
    cases.push({ name: "vaswani", passes: 5, prepare: () => { writeTsv(join(dir, "docs.tsv"), vaswani.documents); writeTsv(join(dir, "queries.tsv"), vaswani.queries); } });
  } else notes.push("Vaswani skipped: ../shared/data/classic is absent.");
  const numDocs = argOf("--docs", 1_000_000), numQueries = argOf("--queries", 200);
  cases.push({ name: `synthetic Zipf ${numDocs} docs`, passes: 2, prepare: () => writeSynthetic(dir, numDocs, numQueries) });

  for (const c of cases) {
    console.error(`bm25 bench: ${c.name}: preparing input`);
    c.prepare();
    const docs = join(dir, "docs.tsv"), queries = join(dir, "queries.tsv");
    console.error(`bm25 bench: ${c.name}: t1`);
    const ours = timed(process.execPath, ["--import", "tsx", join(root, "bench", "bm25.bench.ts"), "--worker", docs, queries, join(dir, "ours.trec"), "1000", String(c.passes)]);
    console.error(`bm25 bench: ${c.name}: Lucene`);
    const lucene = timed("java", ["-cp", ref.classpath, "LuceneBm25", "run", docs, queries, join(dir, "lucene.trec"), "1000", "0.9", "0.4", String(c.passes)]);
    const agree = top10Agreement(join(dir, "ours.trec"), join(dir, "lucene.trec"));
    const refName = "Lucene 8.7 (liblucene8-java, JDK 17, in-memory ByteBuffersDirectory, 1 indexing thread)";
    const row = (metric: string, unit: string, o: number, r: number, higher: boolean) =>
      results.push({ case: c.name, metric, unit, ours: o, reference: r, referenceName: refName, ratio: o / r, higherIsBetter: higher });
    row("indexing throughput (wall clock)", "docs/s", (ours.docs / ours.indexMs) * 1000, (lucene.docs / lucene.indexMs) * 1000, true);
    row("indexing throughput per CPU-second (all threads)", "docs/CPU-s", (ours.docs / ours.cpuIndexMs) * 1000, (lucene.docs / lucene.cpuIndexMs) * 1000, true);
    row("search throughput, top 1000 (wall clock)", "queries/s", (ours.queries / ours.searchMs) * 1000, (lucene.queries / lucene.searchMs) * 1000, true);
    row("search throughput per CPU-second, top 1000", "queries/CPU-s", (ours.queries / ours.cpuSearchMs) * 1000, (lucene.queries / lucene.cpuSearchMs) * 1000, true);
    if (ours.maxRssMB && lucene.maxRssMB) row("peak RSS (corpus text included)", "MB", ours.maxRssMB, lucene.maxRssMB, false);
    notes.push(`${c.name}: ${ours.docs} docs, ${ours.queries} queries; top-10 lists identical to Lucene's for ${(agree * 100).toFixed(1)}% of queries; t1 index file ${((ours.indexBytes ?? 0) / 1e6).toFixed(1)} MB, opened in ${ours.openMs?.toFixed(0)} ms`);
    console.error(`bm25 bench: ${c.name}: ${JSON.stringify({ ours, lucene, agree })}`);
  }
  rmSync(dir, { recursive: true, force: true });
  notes.push(`load average during the run ${loadavg().map((x) => x.toFixed(1)).join(" / ")} on ${cpus().length} cores: wall-clock ratios depend on how much CPU each side got; the per-CPU-second rows measure work`);
  const out = {
    name: "bm25",
    command: "npx tsx bench/bm25.bench.ts",
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", node: process.version },
    results,
    notes: notes.join(". ") + ". Search timing: best of the passes, exhaustive OR scoring in t1, Lucene's default top-k collector (block-max WAND) on its side.",
  };
  writeFileAtomic(join(root, "bench", "results", "bm25.json"), JSON.stringify(out, null, 2) + "\n");
  console.log(JSON.stringify(out.results, null, 2));
}

const wi = argv.indexOf("--worker");
if (wi >= 0) worker(argv[wi + 1]!, argv[wi + 2]!, argv[wi + 3]!, Number(argv[wi + 4]), Number(argv[wi + 5]));
else main();
