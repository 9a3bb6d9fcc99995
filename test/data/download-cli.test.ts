import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { createTinyModel } from "../../src/engine/tiny-model.js";
import { loadModel } from "../../src/engine/model.js";
import { readSafetensors, writeSafetensors, type TensorMap } from "../../src/engine/safetensors.js";
import { writeFileAtomic } from "../../src/util/atomic.js";
import { packageRoot } from "../../src/util/paths.js";
import { runInProcess } from "../cli/in-process.js";
import { scratch } from "../helpers/scratch.js";


/**
 * A loopback Hub: `/<repo>/resolve/main/<path>` (datasets under `/datasets/`) with the ETag the Hub
 * sends (git sha1 of small files; LFS files answer 302 to a CDN path with X-Linked-Etag = sha256),
 * 404 for anything else, and `/api/datasets/<repo>/tree/main/<folder>` listings.
 */
function fakeHub(files: Map<string, Buffer>) {
  const log: { url: string; auth?: string }[] = [];
  const server = createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? "");
    log.push({ url, auth: req.headers.authorization });
    const tree = /^\/api\/datasets\/([^/]+\/[^/]+)\/tree\/main\/(.+)$/.exec(url);
    if (tree) {
      const prefix = `/datasets/${tree[1]}/resolve/main/`;
      const list = [...files.keys()].filter((k) => k.startsWith(`${prefix}${tree[2]}/`)).map((k) => ({ type: "file", path: k.slice(prefix.length) }));
      return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(list));
    }
    const cdn = url.startsWith("/cdn/");
    const body = files.get(cdn ? url.slice(4) : url);
    if (!body) return void res.writeHead(404).end("Entry not found");
    if (!cdn && url.endsWith(".safetensors")) {
      const sha256 = createHash("sha256").update(body).digest("hex");
      return void res.writeHead(302, { location: `/cdn${url}`, "x-linked-etag": `"${sha256}"` }).end();
    }
    const etag = cdn ? "cdn-etag-not-a-checksum" : createHash("sha1").update(`blob ${body.length}\0`).update(body).digest("hex");
    res.writeHead(200, { "content-length": body.length, etag: `"${etag}"` }).end(body);
  });
  return new Promise<{ endpoint: string; log: typeof log; close: () => Promise<void> }>((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({ endpoint: `http://127.0.0.1:${port}`, log, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

/** Runs the CLI asynchronously (the fake Hub lives in this process's event loop). */
function t1(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const root = packageRoot();
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), ...args], { cwd: root, env: { ...process.env, HF_ENDPOINT: "", HF_TOKEN: "", ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function greedy4(dir: string): Promise<number[]> {
  const model = await loadModel(dir);
  try {
    const [r] = await model.generateText(["hello world"], { maxTokens: 4, stopTokens: [] });
    return r!.ids;
  } finally {
    model.dispose();
  }
}

test("t1 download --model fetches a single-file and a sharded model that then load and generate like the original", async () => {
  const tmp = scratch(mkdtempSync(join(tmpdir(), "t1-download-")));
  const src = join(tmp, "src");
  createTinyModel(src, { arch: "qwen3", seed: 11, hiddenSize: 32, layers: 2, heads: 2, kvHeads: 1, headDim: 16, intermediateSize: 64 });
  const served = new Map<string, Buffer>();
  for (const f of readdirSync(src)) served.set(`/org/tiny/resolve/main/${f}`, readFileSync(join(src, f)));
  // The same weights as two shards plus an index, as large Hub checkpoints come.
  const tensors = await readSafetensors(src);
  const names = [...tensors.keys()];
  const shards: TensorMap[] = [new Map(), new Map()];
  const weightMap: Record<string, string> = {};
  names.forEach((n, i) => {
    const s = i < names.length / 2 ? 0 : 1;
    shards[s]!.set(n, tensors.get(n)!);
    weightMap[n] = `model-0000${s + 1}-of-00002.safetensors`;
  });
  const shardDir = join(tmp, "shards");
  for (const [s, map] of shards.entries()) writeSafetensors(join(shardDir, `model-0000${s + 1}-of-00002.safetensors`), map, { format: "pt" });
  writeFileAtomic(join(shardDir, "model.safetensors.index.json"), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  for (const f of readdirSync(src)) if (f !== "model.safetensors") served.set(`/org/sharded/resolve/main/${f}`, readFileSync(join(src, f)));
  for (const f of readdirSync(shardDir)) served.set(`/org/sharded/resolve/main/${f}`, readFileSync(join(shardDir, f)));

  const hub = await fakeHub(served);
  try {
    const single = join(tmp, "single");
    const a = await t1(["download", "--model", "org/tiny", "--dir", single, "--quiet"], { HF_ENDPOINT: hub.endpoint, HF_TOKEN: "tok123" });
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout.trim(), single);
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json", "model.safetensors"]) {
      assert.deepEqual(readFileSync(join(single, f)), readFileSync(join(src, f)), f);
    }
    assert.ok(!existsSync(join(single, "chat_template.jinja")), "an optional file the repo lacks is skipped");
    assert.ok(hub.log.every((r) => r.url.startsWith("/cdn/") || r.auth === "Bearer tok123"), "HF_TOKEN is sent to the Hub");
    assert.ok(hub.log.filter((r) => r.url.startsWith("/cdn/")).length >= 1, "weights came through the LFS redirect");

    const sharded = join(tmp, "sharded");
    const b = await t1(["download", "--model", "org/sharded", "--dir", sharded, "--endpoint", hub.endpoint, "--quiet"]);
    assert.equal(b.code, 0, b.stderr);
    assert.ok(existsSync(join(sharded, "model-00001-of-00002.safetensors")) && existsSync(join(sharded, "model-00002-of-00002.safetensors")));
    assert.ok(!existsSync(join(sharded, "model.safetensors")));

    const reference = await greedy4(src);
    assert.equal(reference.length, 4);
    assert.deepEqual(await greedy4(single), reference);
    assert.deepEqual(await greedy4(sharded), reference);

    const before = hub.log.length;
    const again = await runInProcess(["download", "--model", "org/sharded", "--dir", sharded, "--endpoint", hub.endpoint, "--quiet"]);
    assert.equal(again.code, 0, again.stderr);
    const refetched = hub.log.slice(before).filter((r) => !/chat_template\.jinja|model\.safetensors$/.test(r.url));
    assert.deepEqual(refetched, [], "a rerun requests only the files the repo lacks");

    const missing = await runInProcess(["download", "--model", "org/absent", "--dir", join(tmp, "absent"), "--endpoint", hub.endpoint, "--quiet"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /NOT_FOUND.*org\/absent\/resolve\/main\/config\.json: 404/);
  } finally {
    await hub.close();
  }
});

test("t1 download --bright fetches the chosen domains and configs in the Hugging Face layout", async () => {
  const tmp = scratch(mkdtempSync(join(tmpdir(), "t1-download-bright-")));
  const served = new Map<string, Buffer>();
  const put = (p: string) => served.set(`/datasets/xlangai/BRIGHT/resolve/main/${p}`, Buffer.from(`parquet bytes of ${p}`));
  for (const p of ["examples/biology-00000-of-00001.parquet", "examples/pony-00000-of-00001.parquet", "documents/biology-00000-of-00002.parquet", "documents/biology-00001-of-00002.parquet", "documents/pony-00000-of-00001.parquet"]) put(p);
  const hub = await fakeHub(served);
  try {
    const dir = join(tmp, "bright");
    const r = await t1(["download", "--bright", "--domains", "biology", "--configs", "examples", "--configs", "documents", "--dir", dir, "--endpoint", hub.endpoint, "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), dir);
    const got = ["examples", "documents"].flatMap((c) => readdirSync(join(dir, c)).map((f) => `${c}/${f}`)).sort();
    assert.deepEqual(got, ["documents/biology-00000-of-00002.parquet", "documents/biology-00001-of-00002.parquet", "examples/biology-00000-of-00001.parquet"]);
    assert.equal(readFileSync(join(dir, "documents/biology-00001-of-00002.parquet"), "utf8"), "parquet bytes of documents/biology-00001-of-00002.parquet");
    const bad = await runInProcess(["download", "--bright", "--domains", "biolgy", "--dir", dir, "--endpoint", hub.endpoint]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown BRIGHT domain "biolgy"/);
  } finally {
    await hub.close();
  }
});

test("t1 download: bad arguments exit 2 with the option named", async () => {
  const neither = await runInProcess(["download"]);
  assert.equal(neither.code, 2);
  assert.match(neither.stderr, /exactly one of --model OWNER\/NAME or --bright/);
  const badRepo = await runInProcess(["download", "--model", "qwen3"]);
  assert.equal(badRepo.code, 2);
  assert.match(badRepo.stderr, /--model must look like OWNER\/NAME/);
  const mixed = await runInProcess(["download", "--model", "a/b", "--domains", "biology"]);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /--domains applies to --bright/);
});
