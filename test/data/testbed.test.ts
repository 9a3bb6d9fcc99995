/**
 * The testbed's promises, checked on the files it writes: BM25 cannot find the answer from the
 * question alone but finds it from question + gold reasoning (per family, three seeds), the same
 * seed gives the same bytes, held-out compositions never occur in train, and every fact a held-out
 * chain states is a sentence of pretrain.jsonl.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAMILY_NAMES, makeTestbed, readTestbed, writeTestbed, type TestbedDir, type TestbedQueryRecord } from "../../src/data/testbed/index.js";
import { analyzeEnglish, bm25Run, buildBm25IndexSync } from "../../src/retrieval/bm25/index.js";
import { evaluateRun } from "../../src/eval/evaluate.js";
import { runInProcess } from "../cli/in-process.js";
import { scratch } from "../helpers/scratch.js";

const made = new Map<string, { dir: string; tb: TestbedDir }>();
function testbed(seed: number, size: "tiny" | "small" | "default"): { dir: string; tb: TestbedDir } {
  const key = `${seed}/${size}`;
  if (!made.has(key)) {
    const dir = scratch(mkdtempSync(join(tmpdir(), `t1-testbed-${seed}-${size}-`)));
    writeTestbed(makeTestbed(seed, size), dir);
    made.set(key, { dir, tb: readTestbed(dir) });
  }
  return made.get(key)!;
}

function ndcg10(tb: TestbedDir, qs: readonly TestbedQueryRecord[], text: (q: TestbedQueryRecord) => string): number {
  const index = buildBm25IndexSync(tb.corpus, { quiet: true });
  const run = bm25Run(index, qs.map((q) => ({ id: q.id, text: text(q) })), { k: 100, quiet: true });
  const qrels = new Map([...tb.qrelsTest].filter(([qid]) => qs.some((q) => q.id === qid)));
  // completeQueries: a question BM25 retrieves nothing for scores 0 rather than dropping out of the mean.
  return evaluateRun(qrels, run, { measures: ["ndcg_cut.10"], completeQueries: true }).mean["ndcg_cut_10"]!;
}

for (const seed of [1, 2, 3]) {
  test(`seed ${seed}: BM25 nDCG@10 on test, query alone <= 0.25 and query + gold reasoning >= 0.8, overall and per family`, () => {
    const { tb } = testbed(seed, "default");
    for (const family of ["all", ...FAMILY_NAMES]) {
      const qs = tb.test.filter((q) => family === "all" || q.family === family);
      assert.ok(qs.length >= 50, `${family}: ${qs.length} test questions`);
      const alone = ndcg10(tb, qs, (q) => q.query);
      const withReasoning = ndcg10(tb, qs, (q) => `${q.query} ${q.reasoning}`);
      assert.ok(alone <= 0.25, `${family}: query alone ${alone}`);
      assert.ok(withReasoning >= 0.8, `${family}: query + gold reasoning ${withReasoning}`);
    }
  });
}

test("the same seed writes the same bytes; another seed another world", () => {
  const a = scratch(mkdtempSync(join(tmpdir(), "t1-testbed-a-")));
  const b = scratch(mkdtempSync(join(tmpdir(), "t1-testbed-b-")));
  writeTestbed(makeTestbed(7, "tiny"), a);
  writeTestbed(makeTestbed(7, "tiny"), b);
  const files = readdirSync(a).sort();
  assert.deepEqual(files, readdirSync(b).sort());
  assert.ok(files.length >= 10);
  for (const f of files) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f);
  const other = makeTestbed(8, "tiny");
  assert.notEqual(other.corpus.map((d) => d.text).join("\n"), readFileSync(join(a, "corpus.jsonl"), "utf8"));
  assert.notDeepEqual(other.test.map((q) => q.query), makeTestbed(7, "tiny").test.map((q) => q.query));
});

/** The sentences of a reasoning that are world facts (not the arithmetic step, the inference or the answer line). */
function factSentences(reasoning: string): string[] {
  return reasoning
    .split(/(?<=\.)\s+/)
    .filter((s) => !/^The answer is /.test(s) && !/ divided by \d+ is /.test(s) && !/^So the /.test(s));
}

for (const seed of [1, 2]) {
  test(`seed ${seed}: held-out compositions never occur in train, and what they need train does show`, () => {
    const { tb } = testbed(seed, "default");
    const trainQueries = new Set(tb.train.map((q) => q.query));
    const trainFactSets = tb.train.map((q) => ({ family: q.family, facts: new Set(factSentences(q.reasoning)) }));
    const trainPairs = new Set<string>();
    const trainEnds = new Set<string>();
    for (const q of tb.train.filter((q) => q.family === "multihop")) {
      const f = factSentences(q.reasoning);
      for (let i = 0; i + 1 < f.length - 1; i++) trainPairs.add(`${f[i]} ${f[i + 1]}`);
      trainEnds.add(`${q.query.match(/of (\w+)\?$/)![1]}>${q.answer}`);
    }
    const trainReasoning = tb.train.map((q) => q.reasoning).join("\n");
    for (const q of [...tb.dev, ...tb.test]) {
      assert.ok(!trainQueries.has(q.query), `${q.id}: "${q.query}" is also a training question`);
      const f = factSentences(q.reasoning);
      const same = trainFactSets.find((t) => t.family === q.family && f.every((s) => t.facts.has(s)));
      assert.equal(same, undefined, `${q.id}: a training question states every fact of "${q.reasoning}"`);
      if (q.family === "multihop") {
        // f ends with the answer's description; the hops are the sentences before it.
        for (let i = 0; i + 1 < f.length - 1; i++) assert.ok(!trainPairs.has(`${f[i]} ${f[i + 1]}`), `${q.id}: hop pair "${f[i]} ${f[i + 1]}" occurs in train`);
        assert.ok(!trainEnds.has(`${q.query.match(/of (\w+)\?$/)![1]}>${q.answer}`), `${q.id}: its start and answer are paired in train`);
      }
      if (q.family === "rule") assert.ok(trainReasoning.includes(f[2]!), `${q.id}: train never shows the rule "${f[2]}"`);
      if (q.family === "category") assert.ok(trainReasoning.includes(` form the ${q.reasoning.match(/one of the (\w+)\.|form the (\w+) family/)!.slice(1).find(Boolean)} family.`), `${q.id}: train never names its kin group`);
      if (q.family === "arithmetic") assert.ok(trainReasoning.includes(q.reasoning.match(/\d+ \w+ divided by \d+ is \d+ crowns?\./)![0]), `${q.id}: train never shows its conversion`);
    }
    // One relation path is reserved: "the mentor of the rival of X" is asked in dev and test only.
    const reserved = (q: TestbedQueryRecord): boolean => /^Who is the mentor of the rival of \w+\?$/.test(q.query);
    assert.equal(tb.train.filter(reserved).length, 0);
    assert.ok(tb.test.filter(reserved).length > 0 && tb.dev.filter(reserved).length > 0);
  });
}

test("every fact a dev or test chain states is a sentence of pretrain.jsonl", () => {
  for (const seed of [1, 2, 3]) {
    const { tb } = testbed(seed, "small");
    const pretrainSentences = new Set(tb.pretrain.flatMap((p) => p.split(/(?<=\.)\s+/)));
    for (const q of [...tb.dev, ...tb.test]) {
      const f = factSentences(q.reasoning);
      assert.ok(f.length >= 1, q.id);
      for (const s of f) assert.ok(pretrainSentences.has(s), `seed ${seed} ${q.id}: "${s}" is not in pretrain.jsonl`);
    }
  }
});

test("format: the answer's document is the positive, names the answer and shares no term with the question", () => {
  const { dir, tb } = testbed(4, "tiny");
  const manifest = JSON.parse(readFileSync(join(dir, "testbed.json"), "utf8"));
  assert.equal(manifest.counts.corpus, tb.corpus.length);
  for (const s of ["train", "dev", "test"] as const) {
    assert.equal(manifest.counts[s].total, tb[s].length);
    for (const f of FAMILY_NAMES) assert.ok(manifest.counts[s][f] > 0, `${s} has ${f} questions`);
  }
  assert.ok(tb.corpus.length >= 140 && tb.corpus.length <= 170, `tiny corpus ${tb.corpus.length}`);
  const docs = new Map(tb.corpus.map((d) => [d.id, d.text]));
  const names = new Map<string, string>();
  for (const [split, qrels] of [["dev", tb.qrelsDev], ["test", tb.qrelsTest]] as const) {
    assert.equal(qrels.size, tb[split].length);
    for (const q of tb[split]) assert.deepEqual([...qrels.get(q.id)!.keys()], q.positives);
  }
  for (const q of [...tb.train, ...tb.dev, ...tb.test]) {
    assert.ok(FAMILY_NAMES.includes(q.family as never), q.family);
    assert.equal(q.positives.length, 1);
    assert.ok(q.negatives.length >= 3 && !q.negatives.includes(q.positives[0]!), q.id);
    const words = q.reasoning.split(/\s+/).length;
    assert.ok(words >= 10 && words <= 40, `${q.id}: reasoning of ${words} words`);
    const pos = docs.get(q.positives[0]!)!;
    assert.ok(q.answer && pos.startsWith(q.answer) || pos.startsWith(`The ${q.answer} `), `${q.id}: the positive describes ${q.answer}`);
    assert.ok(q.reasoning.endsWith(`The answer is ${q.answer}.`), q.id);
    const queryTerms = new Set(analyzeEnglish(q.query));
    const shared = analyzeEnglish(pos).filter((t) => queryTerms.has(t));
    assert.deepEqual(shared, [], `${q.id}: "${q.query}" shares ${shared.join(", ")} with its positive`);
    // Each name is one BM25 term, and no two names stem alike.
    const stem = analyzeEnglish(q.answer!);
    assert.equal(stem.length, 1, q.answer);
    const prev = names.get(stem[0]!);
    assert.ok(prev === undefined || prev === q.answer, `${prev} and ${q.answer} stem to the same term`);
    names.set(stem[0]!, q.answer!);
  }
});

test("t1 testbed make writes the directory; bad arguments are one-line errors", async () => {
  const out = scratch(mkdtempSync(join(tmpdir(), "t1-testbed-cli-")));
  const ok = await runInProcess(["testbed", "make", "--seed", "3", "--size", "tiny", "--out", out, "--quiet"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), out);
  assert.equal(readTestbed(out).test.length, makeTestbed(3, "tiny").test.length);
  for (const [args, pattern] of [
    [["--seed", "1", "--out", out, "--size", "huge"], /--size must be one of tiny, small, default, got "huge"/],
    [["--seed", "1.5", "--out", out], /--seed/],
    [["--out", out], /--seed/],
    [["--seed", "1"], /--out/],
  ] as const) {
    const r = await runInProcess(["testbed", "make", ...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});
