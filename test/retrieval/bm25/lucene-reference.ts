/**
 * Test helper: compiles scripts/lucene/LuceneBm25.java once per process and runs it. Returns a skip
 * message when java/javac or the Lucene 8 jars are absent.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../../src/util/paths.js";

const JAR_DIRS = [process.env.LUCENE_JARS, "/usr/share/java"].filter((d): d is string => Boolean(d));

function findJar(prefix: string): string | undefined {
  for (const dir of JAR_DIRS) {
    if (!existsSync(dir)) continue;
    const hit = readdirSync(dir).filter((f) => f.startsWith(prefix) && /-8\.\d+\.\d+\.jar$/.test(f)).sort().pop();
    if (hit) return join(dir, hit);
  }
  return undefined;
}

let cached: { classpath: string } | { skip: string } | undefined;

/** The classpath to run LuceneBm25 with, compiling it on first use. */
export function luceneReference(): { classpath: string } | { skip: string } {
  if (cached) return cached;
  const core = findJar("lucene-core-");
  const analyzers = findJar("lucene-analyzers-common-");
  const hasJava = spawnSync("javac", ["-version"]).status === 0 && spawnSync("java", ["-version"]).status === 0;
  if (!core || !analyzers || !hasJava) {
    cached = { skip: "java/javac or the Lucene 8 jars (apt-get install liblucene8-java default-jdk-headless) are absent; skipping the Lucene comparison" };
    return cached;
  }
  const out = mkdtempSync(join(tmpdir(), "t1-lucene-"));
  const cp = `${core}:${analyzers}`;
  execFileSync("javac", ["-d", out, "-cp", cp, join(packageRoot(), "scripts", "lucene", "LuceneBm25.java")], { stdio: "pipe" });
  cached = { classpath: `${cp}:${out}` };
  return cached;
}

export function runLucene(classpath: string, args: string[]): string {
  return execFileSync("java", ["-Xss4m", "-cp", classpath, "LuceneBm25", ...args], { encoding: "utf8", maxBuffer: 1 << 28 });
}

const escapeTsv = (s: string): string => s.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");

/** Writes records in the "t1 tsv" format LuceneBm25 reads. */
export function writeTsv(path: string, records: Iterable<{ id: string; text: string }>): void {
  const lines: string[] = [];
  for (const r of records) lines.push(`${escapeTsv(r.id)}\t${escapeTsv(r.text)}\n`);
  writeFileSync(path, lines.join(""));
}

/** Lucene's analyzer output for each record, in order. */
export function luceneAnalyze(classpath: string, records: { id: string; text: string }[]): string[][] {
  const dir = mkdtempSync(join(tmpdir(), "t1-analyze-"));
  writeTsv(join(dir, "in.tsv"), records);
  runLucene(classpath, ["analyze", join(dir, "in.tsv"), join(dir, "out.txt")]);
  const text = execFileSync("cat", [join(dir, "out.txt")], { encoding: "utf8", maxBuffer: 1 << 28 });
  return text
    .split("\n")
    .slice(0, records.length)
    .map((line) => {
      const toks = line.slice(line.indexOf("\t") + 1);
      return toks === "" ? [] : toks.split(" ");
    });
}
