/**
 * HTTP plumbing shared by the server's routes: OpenAI-style errors, JSON bodies read under a size
 * limit, typed request fields, and the mapping from t1's errors to status codes.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { T1Error } from "../util/errors.js";
import { JobAbortedError, JobTimeoutError, QueueFullError } from "./work-queue.js";

/** An error answered with `status` and an OpenAI-style body `{ error: { message, type, code } }`. */
export class HttpError extends T1Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = "invalid_request_error",
    readonly headers: Record<string, string> = {},
  ) {
    super(status < 500 ? "BAD_INPUT" : "INTERNAL", message);
    this.name = "HttpError";
  }
}

/** How an error is answered. Aborted requests have nobody to answer: `status` 499 is for the log. */
export function errorStatus(e: unknown): { status: number; type: string; headers: Record<string, string>; aborted: boolean } {
  if (e instanceof HttpError) return { status: e.status, type: e.type, headers: e.headers, aborted: false };
  if (e instanceof QueueFullError) return { status: 429, type: "rate_limit_error", headers: { "retry-after": String(e.retryAfterS) }, aborted: false };
  if (e instanceof JobTimeoutError) return { status: 504, type: "timeout_error", headers: {}, aborted: false };
  if (e instanceof JobAbortedError) return { status: 499, type: "aborted", headers: {}, aborted: true };
  if (e instanceof T1Error && e.code === "BAD_INPUT") return { status: 400, type: "invalid_request_error", headers: {}, aborted: false };
  if (e instanceof T1Error && e.code === "NOT_FOUND") return { status: 404, type: "not_found", headers: {}, aborted: false };
  return { status: 500, type: "server_error", headers: {}, aborted: false };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/**
 * The JSON object of a request body. Over `limit` bytes is a 413, decided from content-length
 * before reading when the client sends one, else as soon as the running total passes the limit:
 * nothing past the limit is buffered, parsed or tokenised.
 */
export async function readJson(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const tooLarge = (): HttpError => new HttpError(413, `request body over ${limit} bytes (the server's --max-body limit)`);
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(c as Buffer);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (e) {
    throw new HttpError(400, `request body is not JSON: ${(e as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new HttpError(400, "request body must be a JSON object");
  return body as Record<string, unknown>;
}

/**
 * After an early answer (a 413) the client may still be sending: discard the rest so it can read
 * the answer (closing at once makes its write fail before it sees the status), but give it at most
 * `ms` before the connection is cut.
 */
export function discardRest(req: IncomingMessage, ms = 10_000): void {
  if (req.complete) return;
  const timer = setTimeout(() => req.socket.destroy(), ms);
  timer.unref();
  req.on("end", () => clearTimeout(timer));
  req.resume();
}

export function numField(body: Record<string, unknown>, name: string, dflt: number): number {
  const v = body[name];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new HttpError(400, `"${name}" must be a number`);
  return v;
}

/** A non-negative integer field (or its alias); undefined when absent. */
export function optIntField(body: Record<string, unknown>, name: string, alias?: string): number | undefined {
  const v = body[name] ?? (alias ? body[alias] : undefined);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new HttpError(400, `"${name}" must be a non-negative integer`);
  return v;
}

export function intField(body: Record<string, unknown>, name: string, dflt: number): number {
  return optIntField(body, name) ?? dflt;
}
