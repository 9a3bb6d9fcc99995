/**
 * POST /v1/t1/search with `"stream": true`: the same search as search-route.ts, answered as
 * Server-Sent Events so a client (the web page) shows the reasoning as the model writes it:
 *
 *   event: reasoning   data: {"text": "<delta>"}          (zero or more; the deltas concatenate to the reasoning)
 *   event: results     data: <the non-streaming response>  (reasoning, reasoning_tokens, cached, hits, timings_ms)
 *   event: done        data: {}
 *   event: error       data: {"message", "type", "code"}   (instead of results/done when the search fails)
 *
 * Request validation happens before the stream starts, so a bad request is still a 400 JSON error.
 * When the client goes away, generation is aborted: the backend gets the request's AbortSignal
 * (checked every decoding step) and nothing more is written to the closed socket.
 */
import type { ServerResponse } from "node:http";
import type { RetrievalPipeline } from "../retrieval/pipeline.js";
import { errorStatus } from "./http.js";
import { runSearch, type Judgements, type SearchRequest } from "./search-route.js";

/** Runs model work in the server's queue with a signal that fires on disconnect or timeout. */
export type RunQueued = <T>(work: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/** Writes one SSE event (`event:` + one `data:` line of JSON). Returns false once the socket is closed. */
export function writeEvent(res: ServerResponse, event: string, data: unknown): boolean {
  if (res.destroyed || res.writableEnded) return false;
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  return true;
}

/**
 * Answers a checked search request as SSE. The headers go out once the request holds a queue
 * slot, so a full queue is still a plain 429 the client can retry.
 */
export async function streamSearch(pipeline: RetrievalPipeline, req: SearchRequest, res: ServerResponse, run: RunQueued, judgements?: Judgements): Promise<void> {
  const start = (): void => {
    if (res.headersSent) return;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.flushHeaders();
  };
  let result: unknown;
  try {
    result = await run((signal) => {
      start();
      const onToken = (_query: number, piece: string): void => {
        if (piece) writeEvent(res, "reasoning", { text: piece });
      };
      return runSearch(pipeline, { ...req, options: { ...req.options, onToken } }, signal, judgements);
    });
  } catch (e) {
    const { status, type, aborted } = errorStatus(e);
    // Before the stream started (queue full, aborted while waiting) the server answers as for any request.
    if (!res.headersSent || aborted) throw e;
    writeEvent(res, "error", { message: (e as Error).message, type, code: status });
    res.end();
    return;
  }
  if (writeEvent(res, "results", result)) writeEvent(res, "done", {});
  res.end();
}
