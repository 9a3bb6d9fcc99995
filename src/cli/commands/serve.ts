import { basename } from "node:path";
import { defineCommand } from "../command.js";
import { InputError } from "../../util/errors.js";
import { openBackend } from "../../backends/open.js";
import { OpenAIServer } from "../../serve/openai-server.js";
import type { Judgements } from "../../serve/search-route.js";
import { RetrievalPipeline } from "../../retrieval/pipeline.js";
import { LOCAL_BACKEND_OPTIONS, backendFromOptions } from "../options/backend.js";
import { backendFormatOptions, FORMAT_OPTIONS } from "../options/format.js";
import { readQrels } from "../../data/trec-files.js";
import { readQueries } from "../../data/jsonl.js";

export default defineCommand({
  name: "serve",
  summary: "Serve a T1 model over an OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions, /v1/embeddings)",
  usage: "--model M [--backend native|llamacpp] [--port 8080] [--index IDX [--qrels FILE] [--queries FILE]]",
  details: `
Embedding inputs may be strings (special tokens such as <emb_token> are parsed; the vector is read
at the last <emb_token>, appended when missing) or token id arrays. Binds to 127.0.0.1 by default:
the API has no authentication. With --index (built by t1 index with the same model), POST
/v1/t1/search {"query", "k"?, "mode"?, "hybrid"?, "max_reasoning_tokens"?, "snippet_chars"?}
returns the reasoning and the ranked hits with their scores and text snippets ("stream": true
answers as Server-Sent Events: reasoning deltas, then the results); GET / is a search page for a
browser that shows T1, no reasoning and BM25 side by side. With --qrels (and --queries to find a
typed query's id), the page marks judged documents.

Defaults that travel with the model: a search without "max_reasoning_tokens" (and a /v1/completions
request with "t1_embed": true and no "max_tokens") reasons for the model's budget, max_reasoning_tokens
in its t1_format.json, else 256 (as t1 search), lowered to --max-tokens-per-request and to what fits
the context. Plain completions without "max_tokens" generate up to 256 tokens.

Limits (every request is bounded): inputs longer than the context, and budgets over
--max-tokens-per-request, are refused with a 400 naming the limit, before any model work (nothing is
cut silently); bodies over --max-body are a 413; model work runs one request at a time in a queue
of --queue-depth (one more is a 429 with Retry-After) and is stopped after --request-timeout (504);
a client that disconnects stops its work. GET /health reports readiness, the queue and memory (503
while draining or when the model is stuck). SIGTERM/SIGINT stop accepting requests, let in-flight
ones finish for --grace seconds, then exit (a second signal exits at once).`,
  options: {
    ...LOCAL_BACKEND_OPTIONS,
    host: { type: "string", description: "Interface to bind", default: "127.0.0.1", arg: "HOST" },
    port: { type: "number", integer: true, min: 0, max: 65535, description: "Port (0 = any free port)", default: 8080, arg: "N" },
    "model-id": { type: "string", description: "Model name in /v1/models and responses; requests naming another are a 404 (default: the model's directory or file name)", arg: "ID" },
    log: { type: "boolean", description: "Log one line per request (aborted requests as \"aborted\")" },
    index: { type: "string", description: "Also serve T1 search over this index at /v1/t1/search", arg: "IDX" },
    ...FORMAT_OPTIONS,
    qrels: { type: "string", description: "TREC qrels: the page marks judged documents of judged queries", arg: "FILE" },
    queries: { type: "string", description: "Queries JSONL matching --qrels: the page lists them, and a typed query finds its judgements", arg: "FILE" },
    "max-context": { type: "number", integer: true, min: 16, description: "Longest sequence (prompt + generated + <emb_token>) in tokens, capped by the model's context; longer inputs are a 400", default: 4096, arg: "N" },
    "max-tokens-per-request": { type: "number", integer: true, min: 1, description: "Most new tokens (max_tokens, max_reasoning_tokens) one request may ask for; also caps the defaults (a search's reasoning budget defaults to the model's t1_format.json, else 256)", default: 1024, arg: "N" },
    "max-batch-tokens": { type: "number", integer: true, min: 16, description: "Most tokens of all sequences of one request together (bounds its KV memory)", default: 16384, arg: "N" },
    "max-body": { type: "number", integer: true, min: 1024, description: "Largest request body in bytes (413 above)", default: 2097152, arg: "BYTES" },
    "queue-depth": { type: "number", integer: true, min: 1, description: "Requests holding or waiting for the model; one more is a 429", default: 16, arg: "N" },
    "request-timeout": { type: "number", min: 0.001, description: "Seconds of model work before a request is stopped (504)", default: 120, arg: "SECONDS" },
    grace: { type: "number", min: 0, description: "Seconds in-flight requests get to finish on SIGTERM/SIGINT", default: 10, arg: "SECONDS" },
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new InputError(`t1 serve: unexpected argument "${positionals[0]}" (the model goes in --model)`);
    const opened = backendFromOptions(values, "serve");
    const format = backendFormatOptions(values);
    const indexDir = values.index;
    const qrelsFile = values.qrels;
    const queriesFile = values.queries;
    if ((qrelsFile || queriesFile) && !indexDir) throw new InputError(`t1 serve: --qrels and --queries mark search results; they need --index`);
    if (queriesFile && !qrelsFile) throw new InputError(`t1 serve: --queries finds the judgements of a typed query; give --qrels too`);
    // Read the small files first: a typo should not wait for the model to load.
    const judgements: Judgements | undefined = qrelsFile
      ? { qrels: readQrels(qrelsFile), idsByText: new Map((queriesFile ? readQueries(queriesFile) : []).map((q) => [q.text.trim(), q.id])) }
      : undefined;
    const modelPath = values.model;
    const backend = await openBackend({ ...opened, ...format });
    let pipeline: RetrievalPipeline | undefined;
    let server: OpenAIServer;
    let url: string;
    try {
      pipeline = indexDir ? await RetrievalPipeline.open(indexDir, { backendInstance: backend }) : undefined;
      server = new OpenAIServer(backend, {
        host: values.host,
        port: values.port,
        log: values.log,
        modelName: values["model-id"] ?? basename(modelPath.replace(/[/\\]+$/, "")).replace(/\.gguf$/i, ""),
        maxContextTokens: values["max-context"],
        maxNewTokens: values["max-tokens-per-request"],
        maxBatchTokens: values["max-batch-tokens"],
        maxBodyBytes: values["max-body"],
        queueDepth: values["queue-depth"],
        requestTimeoutMs: values["request-timeout"] * 1000,
        pipeline,
        judgements,
      });
      url = await server.listen();
    } catch (e) {
      await backend.close();
      throw e;
    }
    const l = server.limits;
    console.error(
      `t1 serve: ${server.modelName} (${backend.kind}, ${backend.dims} dims) on ${url}/v1; context ${l.context} tokens, ≤ ${l.maxNewTokens} new tokens per request, queue ${server.queue.maxDepth}, timeout ${server.queue.timeoutMs / 1000} s` +
        (pipeline ? `; searching ${indexDir} (${pipeline.index.size} documents) at /v1/t1/search; search page at ${url}/` : "") +
        (judgements ? `; ${judgements.qrels.size} judged queries` : ""),
    );
    // Print the URL on stdout too, so scripts (and tests) can read where to connect.
    console.log(url);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGINT", () => resolve("SIGINT"));
      process.once("SIGTERM", () => resolve("SIGTERM"));
    });
    const graceS = values.grace;
    console.error(`t1 serve: ${signal}: finishing in-flight requests (up to ${graceS} s; send it again to exit now)`);
    const again = (): never => process.exit(signal === "SIGINT" ? 130 : 143);
    process.once("SIGINT", again);
    process.once("SIGTERM", again);
    const clean = await server.drain(graceS * 1000);
    await pipeline?.close(); // closes the shared backend too
    if (!pipeline) await backend.close();
    console.error(`t1 serve: stopped${clean ? "" : " (requests still running at the end of the grace period were aborted)"}`);
    // Kernel worker threads may keep the event loop alive; the process ends here either way.
    setTimeout(() => process.exit(process.exitCode ?? 0), 500).unref();
  },
});
