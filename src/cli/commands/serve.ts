import { bool, defineCommand, num, optNum, optStr, str } from "../command.js";
import { InputError } from "../../util/errors.js";
import { openBackend, parseBackendKind } from "../../backends/open.js";
import { OpenAIServer } from "../../serve/openai-server.js";
import { RetrievalPipeline } from "../../retrieval/pipeline.js";
import { backendFormatOptions, FORMAT_OPTIONS } from "../options/format.js";

export default defineCommand({
  name: "serve",
  summary: "Serve a T1 model over an OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions, /v1/embeddings)",
  usage: "--model M [--backend native|llamacpp] [--port 8080] [--index IDX]",
  details: `
Embedding inputs may be strings (special tokens such as <emb_token> are parsed; the vector is read
at the last <emb_token>, appended when missing) or token id arrays. Binds to 127.0.0.1 by default:
the API has no authentication. With --index (built by t1 index with the same model), POST
/v1/t1/search {"query", "k"?, "mode"?, "hybrid"?, "snippet_chars"?} returns the reasoning and the
ranked hits with their scores and text snippets ("stream": true answers as Server-Sent Events:
reasoning deltas, then the results); GET / is a search page for a browser.`,
  options: {
    model: { type: "string", description: "Model directory or .gguf", required: true, arg: "M" },
    backend: { type: "string", description: "native | llamacpp", default: "native", arg: "KIND" },
    host: { type: "string", description: "Interface to bind", default: "127.0.0.1", arg: "HOST" },
    port: { type: "number", integer: true, min: 0, max: 65535, description: "Port (0 = any free port)", default: 8080, arg: "N" },
    "model-id": { type: "string", description: "Model name reported by /v1/models (default: the model path)", arg: "ID" },
    threads: { type: "number", integer: true, min: 1, description: "CPU threads", arg: "N" },
    "no-gpu": { type: "boolean", description: "llamacpp: stay on the CPU" },
    log: { type: "boolean", description: "Log one line per request" },
    index: { type: "string", description: "Also serve T1 search over this index at /v1/t1/search", arg: "IDX" },
    ...FORMAT_OPTIONS,
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new InputError(`t1 serve: unexpected argument "${positionals[0]}" (the model goes in --model)`);
    const kind = parseBackendKind(str(values, "backend"));
    if (kind === "remote") throw new InputError(`t1 serve: --backend must be native or llamacpp (a remote server is served already)`);
    const backend = await openBackend({
      backend: kind,
      model: str(values, "model"),
      modelId: optStr(values, "model-id"),
      threads: optNum(values, "threads"),
      gpu: !bool(values, "no-gpu"),
      ...backendFormatOptions(values),
    });
    const indexDir = optStr(values, "index");
    let pipeline: RetrievalPipeline | undefined;
    try {
      pipeline = indexDir ? await RetrievalPipeline.open(indexDir, { backendInstance: backend }) : undefined;
    } catch (e) {
      await backend.close();
      throw e;
    }
    const server = new OpenAIServer(backend, { host: str(values, "host"), port: num(values, "port"), log: bool(values, "log"), pipeline });
    const url = await server.listen();
    console.error(`t1 serve: ${backend.modelId} (${backend.kind}, ${backend.dims} dims) on ${url}/v1${pipeline ? `; searching ${indexDir} (${pipeline.index.size} documents) at /v1/t1/search; search page at ${url}/` : ""}`);
    // Print the URL on stdout too, so scripts (and tests) can read where to connect.
    console.log(url);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    await server.close();
    await pipeline?.close(); // closes the shared backend too
    if (!pipeline) await backend.close();
  },
});
