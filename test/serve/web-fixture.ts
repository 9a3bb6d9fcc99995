/**
 * A served tiny T1 index for the search page tests: a random tiny Qwen3 model (createTinyModel via
 * the backend fixture), the fixture corpus plus one document carrying HTML that must never be
 * rendered as HTML, and an OpenAIServer on loopback. The backend is wrapped to record each
 * generation (tokens streamed, how it ended) so tests can see that a disconnect stops the work.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { NativeBackend } from "../../src/backends/native.js";
import type { GenerationOptions, T1Backend } from "../../src/backends/types.js";
import { OpenAIServer, type OpenAIServerOptions } from "../../src/serve/openai-server.js";
import { RetrievalPipeline } from "../../src/retrieval/pipeline.js";
import { buildT1Index } from "../../src/retrieval/build-index.js";
import { fixtureCorpus, makeTinyModel } from "../backends/fixtures/tiny.js";

export const INJECTED_TEXT = `why is the sky blue? <img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script> <b>bold</b> &amp; done`;

export interface GenerationRecord {
  tokens: number;
  maxTokens: number;
  signal: boolean;
  /** "ok" or the error message, once settled. */
  outcome?: string;
  settled: Promise<void>;
}

export interface ServedIndex {
  url: string;
  idx: string;
  pipeline: RetrievalPipeline;
  generations: GenerationRecord[];
  server: OpenAIServer;
  close(): Promise<void>;
}

/** `opts` go to the server (limits, queue, qrels). */
export async function serveTinyIndex(opts: Omit<OpenAIServerOptions, "pipeline"> = {}): Promise<ServedIndex> {
  const fx = await makeTinyModel({ gguf: false });
  const native = await NativeBackend.open({ model: fx.modelDir, modelId: fx.modelDir });
  const generations: GenerationRecord[] = [];
  const backend = new Proxy(native as T1Backend, {
    get(target, prop) {
      if (prop === "generateAndEmbed") {
        return (prompts: readonly string[], opts: GenerationOptions) => {
          const rec = { tokens: 0, maxTokens: opts.maxTokens, signal: opts.signal !== undefined } as GenerationRecord;
          const onToken = (i: number, piece: string): void => {
            rec.tokens++;
            opts.onToken?.(i, piece);
          };
          const p = target.generateAndEmbed(prompts, { ...opts, onToken });
          rec.settled = p.then(
            () => void (rec.outcome = "ok"),
            (e: Error) => void (rec.outcome = e.message),
          );
          generations.push(rec);
          return p;
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const docs = [...fixtureCorpus(), { id: "evil<i>", text: INJECTED_TEXT }];
  const idx = join(fx.root, "idx");
  await buildT1Index(backend, docs, { out: idx, progress: false, batchSize: 8, maxLength: 64, pipeline: { backend: "native", modelPath: fx.modelDir } });
  const pipeline = await RetrievalPipeline.open(idx, { backendInstance: backend });
  const server = new OpenAIServer(backend, { ...opts, pipeline });
  const url = await server.listen();
  return {
    url,
    idx,
    pipeline,
    generations,
    server,
    async close() {
      await server.close();
      await pipeline.close();
      rmSync(fx.root, { recursive: true, force: true });
    },
  };
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads Server-Sent Events from a fetch response; `onEvent` returning false stops reading. */
export async function readSse(res: Response, onEvent: (e: SseEvent) => boolean | void = () => true): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let event = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      const e = { event, data: JSON.parse(data.join("\n")) as Record<string, unknown> };
      events.push(e);
      if (onEvent(e) === false) return events;
    }
  }
  return events;
}

export function postSearch(url: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/t1/search`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
}
