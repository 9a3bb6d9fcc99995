/**
 * POST /v1/completions and /v1/chat/completions (SSE with `"stream": true`). T1 extension:
 * `t1_embed: true` on /v1/completions gives each choice the `<emb_token>` vector read from the KV
 * cache its text was generated in; that text is T1 reasoning, so without `max_tokens` it gets the
 * model's reasoning budget (t1_format.json), where a plain completion gets the server's default.
 *
 * The prompts are tokenised and the budget checked (limits.ts) before the request queues; the
 * generation gets the queue's signal, which fires when the client goes away or at the timeout.
 */
import type { ServerResponse } from "node:http";
import type { ChatMessage, EmbeddedGeneration, Generation, GenerationOptions, T1Backend } from "../backends/types.js";
import { HttpError, intField, numField, optIntField, sendJson } from "./http.js";
import type { TokenLimits } from "./limits.js";

export interface CompletionsContext {
  backend: T1Backend;
  limits: TokenLimits;
  /** The model name answered in responses. */
  model: string;
  /** Budget of a plain completion that gives none (`t1_embed` requests default to the model's reasoning budget). */
  defaultMaxTokens: number;
  /** Runs model work in the server's queue. */
  run: <T>(work: (signal: AbortSignal) => Promise<T>) => Promise<T>;
}

export async function completions(ctx: CompletionsContext, body: Record<string, unknown>, res: ServerResponse, chat: boolean): Promise<void> {
  const { backend } = ctx;
  let prompts: string[];
  if (chat) {
    const msgs = body.messages;
    if (!Array.isArray(msgs) || msgs.length === 0 || msgs.some((m) => typeof m?.role !== "string" || typeof m?.content !== "string")) {
      throw new HttpError(400, `"messages" must be a non-empty array of { role, content } strings`);
    }
    prompts = [backend.chatMessagesPrompt(msgs as ChatMessage[])];
  } else {
    const p = body.prompt;
    if (typeof p === "string") prompts = [p];
    else if (Array.isArray(p) && p.length > 0 && p.every((x) => typeof x === "string")) prompts = p as string[];
    else throw new HttpError(400, `"prompt" must be a string or a non-empty array of strings`);
  }
  const wantEmbed = body.t1_embed === true;
  ctx.limits.checkChars("prompt", prompts);
  const promptCounts = await backend.countTokens(prompts);
  const field = chat && body.max_tokens === undefined && body.max_completion_tokens !== undefined ? "max_completion_tokens" : "max_tokens";
  // With t1_embed the generated text is T1 reasoning (read at <emb_token> after it), so it defaults
  // to the model's reasoning budget (t1_format.json), as /v1/t1/search does.
  const dflt = wantEmbed ? backend.format.maxReasoningTokens : ctx.defaultMaxTokens;
  const gen: GenerationOptions = {
    maxTokens: ctx.limits.budget(field, optIntField(body, "max_tokens", chat ? "max_completion_tokens" : undefined), dflt, promptCounts, wantEmbed ? 1 : 0),
    temperature: numField(body, "temperature", 0),
    topP: numField(body, "top_p", 1),
    topK: intField(body, "top_k", 0),
    seed: intField(body, "seed", 0),
  };
  const id = `${chat ? "chatcmpl" : "cmpl"}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const created = Math.floor(Date.now() / 1000);
  const model = ctx.model;
  if (body.stream === true) {
    const send = (x: unknown): void => {
      if (!res.headersSent) res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
      if (!res.destroyed && !res.writableEnded) res.write(`data: ${JSON.stringify(x)}\n\n`);
    };
    const chunk = (index: number, text: string | undefined, finish: string | null): unknown =>
      chat
        ? { id, object: "chat.completion.chunk", created, model, choices: [{ index, delta: text === undefined ? {} : { content: text }, finish_reason: finish }] }
        : { id, object: "text_completion", created, model, choices: [{ index, text: text ?? "", finish_reason: finish }] };
    // Headers go out with the first event, once the request has a queue slot: a full queue is still a 429.
    const results = await ctx.run((signal) => {
      if (chat) send({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta: { role: "assistant" }, finish_reason: null }] });
      return backend.generate(prompts, { ...gen, signal, onToken: (i, piece) => send(chunk(i, piece, null)) });
    });
    results.forEach((r, i) => send(chunk(i, chat ? undefined : "", r.finishReason)));
    res.end("data: [DONE]\n\n");
    return;
  }
  const results: (Generation | EmbeddedGeneration)[] = await ctx.run((signal) =>
    wantEmbed ? backend.generateAndEmbed(prompts, { ...gen, signal }) : backend.generate(prompts, { ...gen, signal }),
  );
  const promptTokens = promptCounts.reduce((a, b) => a + b, 0);
  const completionTokens = results.reduce((a, r) => a + r.tokens, 0);
  sendJson(res, 200, {
    id,
    object: chat ? "chat.completion" : "text_completion",
    created,
    model,
    choices: results.map((r, index) => ({
      index,
      ...(chat ? { message: { role: "assistant", content: r.text } } : { text: r.text }),
      finish_reason: r.finishReason,
      ...("vector" in r ? { embedding: Array.from(r.vector) } : {}),
    })),
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  });
}
