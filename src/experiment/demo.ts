/**
 * `npm start`: the T1 demo on the built-in tiny model, offline. Makes the seeded tiny testbed,
 * indexes its corpus, streams the reasoning of 3 test queries with their top-5 hits (gold marked),
 * and prints BM25 / no reasoning / T1 / gold-reasoning nDCG@10 and R@10 on the whole test split.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { makeTestbed, writeTestbed } from "../data/testbed/index.js";
import { getKernels } from "../engine/kernels/index.js";
import { encodeQueries } from "../retrieval/encoders/query-encoder.js";
import { T1Error } from "../util/errors.js";
import { bm25IndexOf, bm25Row, DenseModelEval, type RowEval } from "./retrieval-eval.js";
import { readTestbed, type TestbedQuery } from "./testbed.js";
import { DEMO_TESTBED } from "./tiny-t1.js";

export interface DemoOptions {
  modelDir: string;
  /** Where the testbed is written. */
  workDir: string;
  /** Test queries shown with their reasoning and hits. Default 3. */
  show?: number;
  out?: (line: string) => void;
  /** Streamed pieces of text (reasoning) without a newline. */
  write?: (piece: string) => void;
  quiet?: boolean;
}

interface ShippedFormat {
  instruction: string;
  maxDocLength: number;
  maxReasoningTokens: number;
}

/** The parts of the model's t1_format.json the demo needs. */
function shippedFormat(modelDir: string): ShippedFormat {
  const file = join(modelDir, "t1_format.json");
  if (!existsSync(file)) throw new T1Error("NOT_FOUND", `${file}: no such file (the built-in model is made by \`npm run train:tiny\`)`);
  const j = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  return { instruction: String(j.instruction ?? ""), maxDocLength: Number(j.max_document_tokens ?? 512), maxReasoningTokens: Number(j.max_reasoning_tokens ?? 256) };
}

/** One query of each family first, so the three shown differ. */
function showcase(test: readonly TestbedQuery[], n: number): TestbedQuery[] {
  const seen = new Set<string>(), out: TestbedQuery[] = [];
  for (const q of test) if (!seen.has(q.family) && out.length < n) { seen.add(q.family); out.push(q); }
  for (const q of test) if (out.length < n && !out.includes(q)) out.push(q);
  return out;
}

export async function runDemo(o: DemoOptions): Promise<Record<string, RowEval>> {
  const out = o.out ?? ((l: string) => console.log(l));
  const write = o.write ?? ((p: string) => process.stdout.write(p));
  const fmt = shippedFormat(o.modelDir);
  const bedDir = join(o.workDir, "testbed");
  writeTestbed(makeTestbed(DEMO_TESTBED.seed, DEMO_TESTBED.size), bedDir);
  const t = readTestbed(bedDir);
  const test = t.splits.test, qrels = t.qrels.test;
  out(`1. Testbed (t1 testbed make --seed ${DEMO_TESTBED.seed} --size ${DEMO_TESTBED.size}) in ${relative(process.cwd(), bedDir) || "."}: ${t.corpus.length} documents, ${test.length} test questions (${[...new Set(test.map((q) => q.family))].join(", ")}).`);
  out(`   The relevant document shares almost no words with the question; a short chain of reasoning links them.`);
  out(`2. Indexing the corpus with ${relative(process.cwd(), o.modelDir) || o.modelDir} (instruction + text + <emb_token>):`);
  const m = await DenseModelEval.open(o.modelDir, t.corpus, getKernels(), { instruction: fmt.instruction, maxDocLength: fmt.maxDocLength, maxReasoningTokens: fmt.maxReasoningTokens, depth: 100, queryBatchSize: 16, quiet: o.quiet ?? false }, "   index corpus");
  try {
    out(`3. The model reasons, then embeds query + reasoning at <emb_token>:`);
    for (const q of showcase(test, o.show ?? 3)) {
      out("");
      out(`   Q [${q.family}]: ${q.query}`);
      write(`   reasoning: `);
      const [e] = await encodeQueries(m.backend, [{ id: q.id, text: q.query }], { mode: "reason", instruction: fmt.instruction, maxReasoningTokens: fmt.maxReasoningTokens, onToken: (_, piece) => write(piece.replace(/\n/g, " ")) });
      out("");
      const gold = new Set(q.positives);
      m.rank(e!.vector, 5).forEach((h, i) => {
        const text = t.corpusById.get(h.docid)!.text;
        out(`   ${gold.has(h.docid) ? "✓" : " "} ${i + 1}. ${h.docid} (cosine ${h.score.toFixed(3)}) ${text.length > 70 ? text.slice(0, 70) + "…" : text}`);
      });
      if (!m.rank(e!.vector, 5).some((h) => gold.has(h.docid))) out(`     (gold: ${q.positives.join(", ")})`);
    }
    out("");
    out(`4. The whole test split (${test.length} questions) against the whole corpus:`);
    const gold = Object.fromEntries(test.map((q) => [q.id, q.reasoning]));
    const rows: Record<string, RowEval> = {
      "BM25 (query alone)": bm25Row(bm25IndexOf(t.corpus), test, qrels, 100),
      "T1 model, no reasoning": await m.row(test, qrels, "none", "   no reasoning"),
      "T1 (own reasoning)": await m.row(test, qrels, "reason", "   T1"),
      "T1 + gold reasoning (oracle)": await m.row(test, qrels, "external", "   gold reasoning", gold),
    };
    const w = Math.max(...Object.keys(rows).map((k) => k.length)) + 2;
    out(`   ${"".padEnd(w)}nDCG@10  R@10`);
    for (const [name, r] of Object.entries(rows)) out(`   ${name.padEnd(w)}${r.ndcg10.toFixed(3).padStart(7)}  ${r.recall10.toFixed(3)}`);
    out("");
    out(`Next:`);
    const idx = join(relative(process.cwd(), o.workDir) || ".", "index");
    const model = relative(process.cwd(), o.modelDir) || o.modelDir;
    out(`  t1 index --model ${model} --corpus ${join(relative(process.cwd(), bedDir) || ".", "corpus.jsonl")} --out ${idx} --instruction "${fmt.instruction}" --max-doc-length ${fmt.maxDocLength}`);
    out(`  t1 search --show-reasoning ${idx} "${test[0]!.query}"`);
    out(`  t1 serve --model ${model} --index ${idx}        # then open http://127.0.0.1:8080/`);
    out(`  npm run experiment                                # the full 3-seed experiment behind RESULTS.md`);
    return rows;
  } finally {
    await m.close();
  }
}
