/**
 * POST /v1/t1/search with "stream": true over a real loopback server on a tiny model: the reasoning
 * deltas concatenate to the non-streaming reasoning, the results event equals the non-streaming
 * reply, errors arrive as an error event, a client disconnect aborts generation; GET / serves the page.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { REASONING_CACHE_FILE } from "../../src/retrieval/pipeline.js";
import { OpenAIServer } from "../../src/serve/openai-server.js";
import { postSearch, readSse, serveTinyIndex } from "./web-fixture.js";

const served = await serveTinyIndex();
after(() => served.close());

/** The reply minus what legitimately differs between two runs (timings; cache state). */
function comparable(r: Record<string, unknown>): Record<string, unknown> {
  const { timings_ms: _t, cached: _c, ...rest } = r;
  return rest;
}

test("streamed reasoning and results equal the non-streaming reply", async () => {
  for (const request of [
    { query: "what is a prime number, and why does it matter?", k: 5, mode: "reason", max_reasoning_tokens: 24 },
    { query: "how do plants make sugar?", k: 4, mode: "none", hybrid: "rrf", snippet_chars: 40 },
  ]) {
    rmSync(join(served.idx, REASONING_CACHE_FILE), { force: true });
    const res = await postSearch(served.url, { ...request, stream: true });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    const events = await readSse(res);
    const names = events.map((e) => e.event);
    const reasoningEvents = events.filter((e) => e.event === "reasoning");
    assert.deepEqual(names, [...reasoningEvents.map(() => "reasoning"), "results", "done"], names.join(","));
    const results = events.at(-2)!.data;

    rmSync(join(served.idx, REASONING_CACHE_FILE), { force: true }); // generate again rather than reading the cache
    const plain = await postSearch(served.url, request);
    assert.equal(plain.status, 200);
    const json = (await plain.json()) as Record<string, unknown>;

    assert.equal(reasoningEvents.map((e) => e.data.text).join(""), json.reasoning);
    assert.deepEqual(comparable(results), comparable(json));
    assert.equal(results.cached, false);
    for (const k of ["generate", "embed", "search"]) assert.equal(typeof (results.timings_ms as Record<string, unknown>)[k], "number");
    if (request.mode === "reason") {
      assert.ok(reasoningEvents.length > 1, `the reasoning arrives in pieces (${reasoningEvents.length} events)`);
      assert.ok((json.reasoning as string).length > 0);
    } else assert.equal(reasoningEvents.length, 0);
  }
});

test("bad streaming requests are 400 JSON before any event: a zero reasoning budget, an empty query", async () => {
  const zero = await postSearch(served.url, { query: "q", max_reasoning_tokens: 0, stream: true });
  assert.equal(zero.status, 400);
  assert.match(((await zero.json()) as { error: { message: string } }).error.message, /"max_reasoning_tokens" must be at least 1/);

  const bad = await postSearch(served.url, { query: "", stream: true });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /"query" must be a non-empty string/);
});

test("a client disconnect mid-stream aborts generation", async () => {
  rmSync(join(served.idx, REASONING_CACHE_FILE), { force: true });
  const before = served.generations.length;
  const ctrl = new AbortController();
  const max = 1000;
  const res = await postSearch(served.url, { query: "tell me everything about earthquakes", mode: "reason", max_reasoning_tokens: max, stream: true }, ctrl.signal);
  let seen = 0;
  await readSse(res, (e) => {
    assert.equal(e.event, "reasoning");
    return ++seen < 2;
  }).catch(() => undefined);
  ctrl.abort();
  assert.equal(served.generations.length, before + 1);
  const gen = served.generations.at(-1)!;
  assert.equal(gen.signal, true, "the backend got the request's signal");
  await Promise.race([gen.settled, new Promise((_, reject) => setTimeout(() => reject(new Error("generation still running 10 s after the disconnect")), 10_000))]);
  assert.match(gen.outcome ?? "", /abort|disconnect/, `generation ended with: ${gen.outcome}`);
  assert.ok(gen.tokens < max, `stopped after ${gen.tokens} of ${max} tokens`);

  // The queue is free again and the aborted query left nothing in the cache.
  const r = await postSearch(served.url, { query: "why is the sky blue?", k: 3, mode: "none" });
  assert.equal(r.status, 200);
});

test("GET / serves the search page (with a CSP) only when an index is served", async () => {
  const res = await fetch(`${served.url}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
  assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
  const html = await res.text();
  assert.match(html, /<form id="form"/);
  assert.doesNotMatch(html, /https?:\/\//, "the page loads nothing from elsewhere");
  assert.doesNotMatch(html, /innerHTML|insertAdjacentHTML|outerHTML|document\.write/, "text goes in through textContent only");

  const bare = new OpenAIServer(served.pipeline.backend);
  const bareUrl = await bare.listen();
  try {
    assert.equal((await fetch(`${bareUrl}/`)).status, 404);
  } finally {
    await bare.close();
  }
});
