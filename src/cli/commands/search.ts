import { defineCommand } from "../command.js";
import { InputError } from "../../util/errors.js";
import { RetrievalPipeline } from "../../retrieval/pipeline.js";
import { snippet } from "../../retrieval/index/doc-store.js";
import { pipelineOpenOptions, pipelineSearchOptions, QUERY_OPTIONS } from "../options/query.js";

export default defineCommand({
  name: "search",
  summary: "Search a T1 index with one query: the model's reasoning, then ranked documents with named scores",
  usage: "[options] IDX QUERY",
  details: `
Prints the reasoning (streamed as it is written with --show-reasoning) and the top documents with
their scores: cosine (dense), bm25, and rrf / fused with --hybrid, each with a one-line snippet of
its text when the index stores texts (t1 index without --no-store-text). --json prints one JSON
object (hits carry "snippet").`,
  options: {
    k: { type: "number", integer: true, min: 1, description: "Documents to show", default: 10 },
    "show-reasoning": { type: "boolean", description: "Stream the reasoning to stderr while it is generated" },
    reasoning: { type: "string", description: "With --mode external: the reasoning itself, as text (t1 run takes a file)", arg: "TEXT" },
    json: { type: "boolean", description: "Print JSON instead of a table" },
    "snippet-chars": { type: "number", integer: true, min: 0, description: "Characters of document text shown per hit (0 = none)", default: 160 },
    ...QUERY_OPTIONS,
  },
  async run(values, positionals) {
    if (positionals.length !== 2) throw new InputError(`t1 search: expected IDX and QUERY, got ${positionals.length} arguments`);
    const [dir, text] = positionals as [string, string];
    if (text.trim() === "") throw new InputError(`t1 search: the query is empty`);
    const opts = pipelineSearchOptions(values, values.k);
    const show = values["show-reasoning"];
    if (show) opts.onToken = (_i, piece) => void process.stderr.write(piece);
    const snippetChars = values["snippet-chars"];
    const reasoning = values.reasoning;
    if (opts.mode === "external" && reasoning === undefined) throw new InputError("t1 search: --mode external needs --reasoning TEXT");
    const p = await RetrievalPipeline.open(dir, pipelineOpenOptions(values));
    try {
      const [r] = await p.search([{ id: "query", text, reasoning }], opts);
      if (show) process.stderr.write("\n");
      const snippets = r!.hits.map((h) => {
        const doc = snippetChars > 0 ? p.document(h.id) : undefined;
        return doc === undefined ? undefined : snippet(doc.text, snippetChars);
      });
      if (values.json) {
        const hits = r!.hits.map((h, i) => (snippets[i] === undefined ? h : { ...h, snippet: snippets[i] }));
        console.log(JSON.stringify({ ...r, hits }, null, 1));
        return;
      }
      if (!show && r.reasoning) console.log(`reasoning (${r.reasoningTokens} tokens${r.cached ? ", cached" : ""}):\n${r.reasoning.trim()}\n`);
      const names = [...new Set(r.hits.flatMap((h) => [h.scoreName, ...Object.keys(h.sources)]))];
      const withText = snippets.some((s) => s !== undefined);
      console.log(["rank", "docid", ...names, ...(withText ? ["text"] : [])].join("\t"));
      r.hits.forEach((h, i) => {
        const cols = names.map((n) => {
          const v = n === h.scoreName ? h.score : h.sources[n];
          return v === undefined ? "-" : v.toFixed(4);
        });
        console.log([String(i + 1), h.id, ...cols, ...(withText ? [snippets[i] ?? "-"] : [])].join("\t"));
      });
      const t = r.timings;
      console.error(`t1 search: reasoning ${t.generateMs.toFixed(0)} ms, embedding ${t.embedMs.toFixed(0)} ms, search ${t.searchMs.toFixed(1)} ms`);
    } finally {
      await p.close();
    }
  },
});
