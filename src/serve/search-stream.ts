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
import { T1Error } from "../util/errors.js";
import { runSearch, type SearchRequest } from "./search-route.js";

/** Runs `fn` in the server's one-at-a-time queue. */
export type Serial = <T>(fn: () => Promise<T>) => Promise<T>;

/** Writes one SSE event (`event:` + one `data:` line of JSON). Returns false once the socket is closed. */
export function writeEvent(res: ServerResponse, event: string, data: unknown): boolean {
  if (res.destroyed || res.writableEnded) return false;
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  return true;
}

export async function streamSearch(
  pipeline: RetrievalPipeline,
  req: SearchRequest,
  res: ServerResponse,
  signal: AbortSignal,
  serial: Serial,
): Promise<void> {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  res.flushHeaders();
  try {
    const result = await serial(async () => {
      // Queued behind other requests: skip the work entirely if the client left meanwhile.
      if (signal.aborted) throw new T1Error("INTERNAL", "client disconnected");
      const onToken = (_query: number, piece: string): void => {
        // Belt and braces for backends that do not check the signal between tokens.
        if (signal.aborted) throw new T1Error("INTERNAL", "client disconnected");
        if (piece) writeEvent(res, "reasoning", { text: piece });
      };
      return runSearch(pipeline, { ...req, options: { ...req.options, onToken, signal } });
    });
    if (writeEvent(res, "results", result)) writeEvent(res, "done", {});
  } catch (e) {
    if (!signal.aborted) {
      const bad = e instanceof T1Error && e.code === "BAD_INPUT";
      writeEvent(res, "error", { message: (e as Error).message, type: bad ? "invalid_request_error" : "server_error", code: bad ? 400 : 500 });
    }
  } finally {
    if (!res.writableEnded) res.end();
  }
}
