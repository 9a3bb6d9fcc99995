/**
 * A synthetic local BRIGHT copy in the Hugging Face layout (JSONL configs `examples` and `documents`)
 * for the harness tests. Query rows are REAL (the first rows of ../shared/data/bright's topics, i.e.
 * BRIGHT's examples verbatim) when the shared folder is there, else made up; documents are generated:
 * gold documents repeat query words (BM25 finds them), excluded documents repeat the whole query (the
 * strongest matches, which the protocol must drop), and fillers share a few query words each so
 * every query has more than k candidates.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadBrightTopics, type BrightExample } from "../../src/data/bright.js";
import { sharedPath } from "../../src/util/paths.js";
import { uniformStream } from "../../src/util/mulberry32.js";

export interface RawRow {
  id: string;
  query: string;
  reasoning: string;
  gold_ids: string[];
  gold_ids_long: string[];
  excluded_ids: string[];
  gold_answer: string;
}

export interface FixtureDomain {
  rows: RawRow[];
  docs: { id: string; content: string }[];
}

/** True when the rows come from ../shared/data/bright. */
export const REAL_ROWS = sharedPath("data", "bright") !== undefined;

function toRaw(e: BrightExample): RawRow {
  return {
    id: e.id,
    query: e.query,
    reasoning: e.reasoning ?? "N/A",
    gold_ids: e.goldIds.slice(0, 3),
    gold_ids_long: e.goldIdsLong.length ? e.goldIdsLong : ["N/A"],
    excluded_ids: e.excludedIds.length ? e.excludedIds.slice(0, 3) : ["N/A"],
    gold_answer: e.goldAnswer ?? "N/A",
  };
}

function syntheticRows(domain: string, n: number, withExclusions: boolean): RawRow[] {
  const topics = [
    "why do leaves change colour in autumn when chlorophyll breaks down",
    "how does the kidney filter blood and regulate salt balance",
    "find the longest increasing subsequence of an integer array quickly",
    "count the islands of ones in a binary grid with depth first search",
    "what makes muscles grow after resistance training and protein",
  ];
  return Array.from({ length: n }, (_, i) => ({
    id: String(i),
    query: `${topics[i % topics.length]} question ${i}`,
    reasoning: "N/A",
    gold_ids: [`${domain}/gold_${i}_a.txt`, `${domain}/gold_${i}_b.txt`],
    gold_ids_long: ["N/A"],
    excluded_ids: withExclusions ? [`${domain}/ex_${i}_a.txt`, `${domain}/ex_${i}_b.txt`, "N/A"] : ["N/A"],
    gold_answer: "N/A",
  }));
}

/** Deterministic pseudo-random generator (mulberry32). */
const rng = uniformStream;

const words = (s: string) => s.toLowerCase().split(/[^a-z]+/).filter((w) => w.length > 3);

export async function fixtureDomain(domain: "biology" | "leetcode", n: number, fillers: number): Promise<FixtureDomain> {
  let rows: RawRow[];
  if (REAL_ROWS) {
    const all = await loadBrightTopics(domain);
    // leetcode: queries that carry excluded_ids; others: the first ones.
    rows = all.filter((e) => (domain === "leetcode" ? e.excludedIds.length > 0 : true)).slice(0, n).map(toRaw);
  } else {
    rows = syntheticRows(domain, n, domain === "leetcode");
  }
  const docs = new Map<string, string>();
  // Every text starts with its id: no two documents are identical, so no exact score ties.
  const add = (id: string, text: string) => docs.set(id, docs.has(id) ? `${docs.get(id)} ${text}` : `${id} ${text}`);
  const rand = rng(domain.length * 7919 + n);
  const vocab: string[] = [];
  for (const r of rows) {
    const w = words(r.query);
    vocab.push(...w.slice(0, 40));
    r.gold_ids.forEach((g, j) => add(g, `${w.slice(j * 5, j * 5 + 12).join(" ")} gold passage`));
    for (const x of r.excluded_ids) if (x !== "N/A") add(x, `${r.query} ${r.query}`);
  }
  for (let i = 0; i < fillers; i++) {
    const pick = Array.from({ length: 6 }, () => vocab[Math.floor(rand() * vocab.length)]!);
    add(`${domain}/filler_${i}.txt`, `filler text about ${pick.join(" ")}`);
  }
  return { rows, docs: [...docs].map(([id, content]) => ({ id, content })) };
}

/** Writes `<dir>/examples/<domain>.jsonl` and `<dir>/documents/<domain>.jsonl`. */
export function writeFixtureDomain(dir: string, domain: string, fx: FixtureDomain): void {
  for (const c of ["examples", "documents"]) mkdirSync(join(dir, c), { recursive: true });
  writeFileSync(join(dir, "examples", `${domain}.jsonl`), fx.rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  writeFileSync(join(dir, "documents", `${domain}.jsonl`), fx.docs.map((d) => JSON.stringify(d)).join("\n") + "\n");
}
