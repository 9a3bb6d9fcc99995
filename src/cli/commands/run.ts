import { defineCommand } from "../command.js";
import { applyExclusions, readExclusionsFile, type Exclusions } from "../../data/bright.js";
import { InputError } from "../../util/errors.js";
import { readQueries, iterateJsonl } from "../../data/jsonl.js";
import { writeRun } from "../../data/trec-files.js";
import type { Run } from "../../data/types.js";
import { Progress } from "../../util/progress.js";
import { RetrievalPipeline } from "../../retrieval/pipeline.js";
import { pipelineOpenOptions, pipelineSearchOptions, QUERY_OPTIONS } from "../options/query.js";

export default defineCommand({
  name: "run",
  summary: "Search a T1 index with a query file and write a TREC run (for t1 evaluate)",
  usage: "--index IDX --queries q.jsonl --out run.trec [options]",
  details: `
Reasoning is cached in IDX/reasoning-cache.jsonl, so an interrupted or repeated run does not
generate again. --reasoning FILE (JSONL {"id", "reasoning"}) supplies reasoning for --mode external.
--exclusions drops each query's listed documents before the top --k cut, as BRIGHT's protocol does.`,
  options: {
    index: { type: "string", description: "Index directory", required: true, arg: "IDX" },
    queries: { type: "string", description: "JSONL queries {id, text}", required: true, arg: "FILE" },
    out: { type: "string", description: "TREC run file to write", required: true, arg: "FILE" },
    k: { type: "number", integer: true, min: 1, description: "Documents per query", default: 1000 },
    tag: { type: "string", description: "Run tag (default: t1-<mode>)", arg: "TAG" },
    reasoning: { type: "string", description: "JSONL {id, reasoning} for --mode external", arg: "FILE" },
    exclusions: { type: "string", description: "qid docid lines never to return (BRIGHT's excluded_ids; see t1 bright export)", arg: "FILE", multiple: true },
    quiet: { type: "boolean", description: "No progress output" },
    ...QUERY_OPTIONS,
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new InputError(`t1 run: unexpected argument "${positionals[0]}" (use --index, --queries and --out)`);
    const k = values.k;
    const exclusions: Exclusions = new Map();
    for (const file of values.exclusions ?? []) {
      for (const [qid, ids] of readExclusionsFile(file)) {
        const s = exclusions.get(qid) ?? new Set<string>();
        for (const d of ids) s.add(d);
        exclusions.set(qid, s);
      }
    }
    // Retrieve enough that k remain after the exclusions of the query that has the most.
    const extra = Math.max(0, ...[...exclusions.values()].map((s) => s.size));
    const opts = pipelineSearchOptions(values, k + extra);
    const queries = readQueries(values.queries).map((q) => ({ ...q, reasoning: undefined as string | undefined }));
    if (queries.length === 0) throw new InputError(`the queries file has no queries (expected JSONL lines {"id", "text"})`, { file: values.queries });
    const reasoningFile = values.reasoning;
    if (opts.mode === "external") {
      if (!reasoningFile) throw new InputError("t1 run: --mode external needs --reasoning FILE");
      const byId = new Map<string, string>();
      for await (const [obj, line] of iterateJsonl(reasoningFile)) {
        if (typeof obj.id !== "string" || typeof obj.reasoning !== "string") {
          throw new InputError(`expected {"id": string, "reasoning": string}`, { file: reasoningFile, line });
        }
        byId.set(obj.id, obj.reasoning);
      }
      for (const q of queries) {
        q.reasoning = byId.get(q.id);
        if (q.reasoning === undefined) throw new InputError(`no reasoning for query "${q.id}"`, { file: reasoningFile });
      }
    }
    if (!values.quiet) {
      const reasoning = opts.mode === "reason" ? `, up to ${opts.maxReasoningTokens ?? "the model's default"} reasoning tokens each` : "";
      console.error(`t1 run: ${queries.length} queries against ${values.index} (mode ${opts.mode}${reasoning}, top ${k}${opts.hybrid !== "none" ? `, ${opts.hybrid} fusion with BM25` : ""}); reasoning is cached in the index`);
    }
    const progress = new Progress("run", queries.length, { unit: "queries", quiet: values.quiet });
    let last = 0;
    opts.onProgress = (done) => {
      progress.tick(done - last);
      last = done;
    };
    const p = await RetrievalPipeline.open(values.index, pipelineOpenOptions(values));
    try {
      const results = await p.search(queries, opts);
      progress.finish();
      let run: Run = new Map(results.map((r) => [r.id, r.hits.map((h) => ({ docid: h.id, score: h.score }))]));
      let dropped = 0;
      if (exclusions.size > 0) ({ run, dropped } = applyExclusions(run, exclusions, k));
      writeRun(values.out, run, values.tag ?? `t1-${opts.mode}${opts.hybrid !== "none" ? `-${opts.hybrid}` : ""}`);
      const gen = results.reduce((a, r) => a + r.timings.generateMs, 0);
      const cached = results.filter((r) => r.cached).length;
      console.error(`t1 run: ${results.length} queries (${cached} from the reasoning cache), reasoning ${(gen / 1000).toFixed(1)} s in all${exclusions.size ? `, ${dropped} excluded documents dropped` : ""}; wrote ${values.out}`);
    } finally {
      await p.close();
    }
  },
});
