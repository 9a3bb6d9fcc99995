/**
 * The library quick start, end to end on a model made on the spot (a tiny random Qwen3, so it runs
 * anywhere in seconds; point MODEL at a real T1 checkpoint for meaningful rankings):
 *
 *   npx tsx examples/quickstart.ts [MODEL_DIR]
 *
 * Steps: open a backend → index documents (instruction + text + <emb_token>) → search with
 * reasoning (the model writes, then <emb_token> is read from the same KV cache) → evaluate.
 * test/examples/quickstart.test.ts runs this file, so the README's example cannot rot.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildT1Index, createTinyModel, evaluateRun, openBackend, RetrievalPipeline, type Qrels, type Run } from "../src/index.js";

const work = mkdtempSync(join(tmpdir(), "t1-quickstart-"));
try {
  let model = process.argv[2];
  if (!model) {
    model = join(work, "model");
    await createTinyModel(model, { arch: "qwen3", seed: 7, hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 24, intermediateSize: 128 });
  }

  const backend = await openBackend({ backend: "native", model, threads: 1 });
  const documents = [
    { id: "d1", text: "Plants sense gravity with statoliths: starch-filled plastids that settle in root cap cells." },
    { id: "d2", text: "Onions release syn-propanethial-S-oxide, which irritates the eyes and triggers tears." },
    { id: "d3", text: "Rayleigh scattering makes short wavelengths scatter more, so the daytime sky looks blue." },
  ];
  const instruction = "Given a biology post, retrieve relevant passages that help answer the post";
  await buildT1Index(backend, documents, { out: join(work, "idx"), instruction, progress: false });

  const pipeline = await RetrievalPipeline.open(join(work, "idx"), { backendInstance: backend });
  const results = await pipeline.search([{ id: "q1", text: "Why does cutting onions make me cry?" }], {
    k: 3,
    mode: "reason", // the model writes its reasoning, then the query vector is read at <emb_token>
    maxReasoningTokens: 16,
  });
  for (const r of results) {
    console.log(`query ${r.id}: reasoning (${r.reasoningTokens} tokens): ${JSON.stringify(r.reasoning)}`);
    for (const h of r.hits) console.log(`  ${h.id}  ${h.scoreName}=${h.score.toFixed(4)}`);
  }

  const run: Run = new Map(results.map((r) => [r.id, r.hits.map((h) => ({ docid: h.id, score: h.score }))]));
  const qrels: Qrels = new Map([["q1", new Map([["d2", 1]])]]);
  const { mean } = evaluateRun(qrels, run, { measures: ["ndcg_cut.10", "recip_rank"], mode: "pytrec_eval" });
  console.log(`nDCG@10 ${mean.ndcg_cut_10!.toFixed(4)}  MRR ${mean.recip_rank!.toFixed(4)}`);
  await pipeline.close();
  await backend.close();
} finally {
  rmSync(work, { recursive: true, force: true });
}
