/**
 * `t1 serve` as a process: a busy port is one line and a non-zero exit; SIGTERM lets an in-flight
 * stream finish and then the process exits; memory returns to near its baseline after aborted long
 * streams and oversized requests (RSS read from /health); --qrels/--queries mark judged hits.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:http";
import { NativeBackend } from "../../src/backends/native.js";
import { buildT1Index } from "../../src/retrieval/build-index.js";
import { fixtureCorpus, makeTinyModel } from "../backends/fixtures/tiny.js";
import { startServeChild } from "../helpers/serve-child.js";
import { postSearch, readSse } from "./web-fixture.js";

const fx = await makeTinyModel({ gguf: false });
const idx = join(fx.root, "idx");
{
  const backend = await NativeBackend.open({ model: fx.modelDir });
  await buildT1Index(backend, fixtureCorpus(), { out: idx, progress: false, batchSize: 8, maxLength: 64, pipeline: { backend: "native", modelPath: fx.modelDir } });
}
after(() => rmSync(fx.root, { recursive: true, force: true }));

const exited = (child: ReturnType<typeof spawn>): Promise<number | null> => new Promise((resolve) => child.once("exit", (code) => resolve(code)));

test("a port in use is one line of error and a non-zero exit, no stack trace", async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
  const port = (blocker.address() as { port: number }).port;
  try {
    const main = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");
    const child = spawn(process.execPath, ["--import", "tsx", main, "serve", "--model", fx.modelDir, "--port", String(port)], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, T1_THREADS: "1" } });
    let err = "";
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    const code = await exited(child);
    assert.equal(code, 2);
    const lines = err.trim().split("\n");
    assert.equal(lines.length, 1, err);
    assert.match(lines[0]!, new RegExp(`^t1: error \\[BAD_INPUT\\]: port ${port} on 127\\.0\\.0\\.1 is already in use; stop the other server or pick another --port$`));
  } finally {
    blocker.close();
  }
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`${signal} lets the in-flight stream finish, refuses new work, then the process exits`, async () => {
    const { child, base } = await startServeChild(["--model", fx.modelDir, "--index", idx, "--grace", "20"]);
    const code = exited(child);
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const res = await postSearch(base, { query: "tell me about the heart", max_reasoning_tokens: 800, stream: true });
    let signalled = false;
    const events = await readSse(res, (e) => {
      if (!signalled && e.event === "reasoning") {
        signalled = true;
        child.kill(signal);
      }
    });
    assert.deepEqual(events.slice(-2).map((e) => e.event), ["results", "done"], `the stream finished after ${signal}`);
    assert.equal(await code, 0, stderr);
    assert.match(stderr, new RegExp(`${signal}: finishing in-flight requests \\(up to 20 s`));
    assert.match(stderr, /t1 serve: stopped\n/);
    await assert.rejects(fetch(`${base}/health`), "nothing listens after the exit");
  });
}

test("t1 serve --qrels FILE --queries FILE: a typed judged query finds its judgements, hits carry their grades", async () => {
  const qrels = join(fx.root, "qrels.txt");
  writeFileSync(qrels, "q1 0 d0a 1\nq1 0 d0b 0\nq1 0 d0c 2\n");
  const queries = join(fx.root, "queries.jsonl");
  writeFileSync(queries, JSON.stringify({ id: "q1", text: "why is the sky blue?" }) + "\n");
  const { child, base } = await startServeChild(["--model", fx.modelDir, "--index", idx, "--qrels", qrels, "--queries", queries]);
  try {
    const models = (await (await fetch(`${base}/v1/models`)).json()) as { data: { t1: { judged_queries?: { id: string; text: string }[] } }[] };
    assert.deepEqual(models.data[0]!.t1.judged_queries, [{ id: "q1", text: "why is the sky blue?" }]);
    type Hit = { id: string; judged?: number };
    const judged = (await (await postSearch(base, { query: " why is the sky blue? ", mode: "bm25", k: 100 })).json()) as { hits: Hit[]; query_id?: string; judged_relevant?: number };
    assert.equal(judged.query_id, "q1");
    assert.equal(judged.judged_relevant, 2);
    const grades: Record<string, number> = { d0a: 1, d0b: 0, d0c: 2 };
    assert.ok(judged.hits.some((h) => h.id in grades), "a judged document is among the hits");
    for (const h of judged.hits) assert.equal(h.judged, grades[h.id], h.id);
    const other = (await (await postSearch(base, { query: "an unjudged question", mode: "bm25", k: 100 })).json()) as { hits: Hit[]; query_id?: string };
    assert.equal(other.query_id, undefined);
    assert.ok(other.hits.every((h) => h.judged === undefined));
  } finally {
    child.kill("SIGKILL");
  }
});

interface Health {
  status: string;
  memory: { rss: number };
}

/** POSTs a raw body over http (fetch cannot stream-abort a 15 MB upload cleanly). */
function rawPost(base: string, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, base);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("memory returns to near its baseline after aborted long streams and oversized requests", async (t) => {
  const { child, base } = await startServeChild(["--model", fx.modelDir, "--index", idx]);
  try {
    const health = async (): Promise<Health> => (await (await fetch(`${base}/health`)).json()) as Health;
    // Baseline after the largest request the server allows has run once: the engine's memory has
    // grown to what a full budget needs, which is all it may ever need.
    for (let i = 0; i < 2; i++) await readSse(await postSearch(base, { query: `warm up ${i}`, max_reasoning_tokens: 1024, stream: true }));
    const baseline = (await health()).memory.rss;

    for (let i = 0; i < 2; i++) {
      const ctrl = new AbortController();
      const res = await postSearch(base, { query: `an endless story ${i}`, max_reasoning_tokens: 1024, stream: true }, ctrl.signal);
      let seen = 0;
      await readSse(res, () => ++seen < 20).catch(() => undefined);
      ctrl.abort();
    }
    const statuses = [
      (await postSearch(base, { query: "x", max_reasoning_tokens: 1_000_000 })).status,
      (await postSearch(base, { query: "why is the sky blue? ".repeat(3000) })).status,
      await rawPost(base, "/v1/t1/search", JSON.stringify({ query: "x".repeat(15 << 20) })),
      await rawPost(base, "/v1/embeddings", JSON.stringify({ input: "x".repeat(1_500_000) })),
    ];
    assert.deepEqual(statuses, [400, 400, 413, 400]);
    let h = await health();
    for (let i = 0; i < 50 && h.status !== "ok"; i++) h = await health();
    const growth = h.memory.rss - baseline;
    t.diagnostic(`RSS ${(baseline / 2 ** 20).toFixed(1)} MB after warm-up, ${(h.memory.rss / 2 ** 20).toFixed(1)} MB after the aborted streams and oversized requests`);
    assert.ok(growth < 40 << 20, `RSS ${(baseline / 2 ** 20).toFixed(0)} MB -> ${(h.memory.rss / 2 ** 20).toFixed(0)} MB`);
  } finally {
    child.kill("SIGTERM");
  }
});
