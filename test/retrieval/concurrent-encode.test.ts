/**
 * encodeDocuments with several batches in flight (remote backend): the index gets the same vectors
 * as a sequential run, batches are added in plan order even when they finish out of order, and a
 * run killed mid-way checkpoints only a prefix of the plan and resumes to identical vectors.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { NativeBackend } from "../../src/backends/native.js";
import { RemoteBackend } from "../../src/backends/remote.js";
import type { T1Backend } from "../../src/backends/types.js";
import { OpenAIServer } from "../../src/serve/openai-server.js";
import { createIndex, openIndex, type DenseIndex } from "../../src/retrieval/index/dense-index.js";
import { encodeDocuments } from "../../src/retrieval/encoders/document-encoder.js";
import { documentPrefix } from "../../src/retrieval/encoders/instructions.js";
import { makeTinyModel } from "../backends/fixtures/tiny.js";
import { bigCorpus, ENCODE_OPTS } from "./fixtures/corpus.js";

const fx = await makeTinyModel({ gguf: false });
const server = new OpenAIServer(await NativeBackend.open({ model: fx.modelDir, modelId: "tiny-t1" }));
const url = await server.listen();
after(async () => {
  await server.close();
  rmSync(fx.root, { recursive: true, force: true });
});
const docs = bigCorpus();

function newIndex(name: string, dims: number): DenseIndex {
  return createIndex(join(fx.root, name), { dims, model: "tiny-t1", instruction: ENCODE_OPTS.instruction });
}

function assertSameVectors(a: DenseIndex, b: DenseIndex): void {
  assert.equal(a.size, docs.length);
  assert.equal(b.size, docs.length);
  for (const d of docs) assert.deepEqual(Array.from(a.vector(d.id)!), Array.from(b.vector(d.id)!), d.id);
}

/** The encoder's batch plan, recomputed here: documents by clipped token length, then position. */
async function planOrder(backend: T1Backend): Promise<string[]> {
  const lengths = await backend.countTokens(docs.map((d) => documentPrefix(ENCODE_OPTS.instruction) + d.text));
  const clip = (i: number) => Math.min(lengths[i]!, ENCODE_OPTS.maxLength);
  return docs.map((_, i) => i).sort((a, b) => clip(a) - clip(b) || a - b).map((i) => docs[i]!.id);
}

let reference: DenseIndex;

test("several batches in flight, finishing out of order, give the sequential run's vectors", async () => {
  const remote = await RemoteBackend.open({ url, concurrency: 4 });
  assert.equal(remote.maxConcurrentRequests, 4);
  reference = newIndex("sequential", remote.dims);
  let active = 0;
  let peak = 0;
  let calls = 0;
  const sequentialSpy: T1Backend = Object.assign(Object.create(remote) as T1Backend, {
    embedDocuments: async (t: readonly string[], o: Parameters<T1Backend["embedDocuments"]>[1]) => {
      active++;
      peak = Math.max(peak, active);
      try {
        return await remote.embedDocuments(t, o);
      } finally {
        active--;
      }
    },
  });
  await encodeDocuments(sequentialSpy, docs, reference, { ...ENCODE_OPTS, concurrency: 1 });
  assert.equal(peak, 1);

  // The real remote backend, with every call's answer held back by a varying delay so that later
  // batches often finish first; the index must still receive batches in plan order.
  const added: string[] = [];
  const concurrent = newIndex("concurrent", remote.dims);
  const origAdd = concurrent.add.bind(concurrent);
  concurrent.add = (ids, vectors) => {
    added.push(...ids);
    origAdd(ids, vectors);
  };
  peak = 0;
  const delayed: T1Backend = Object.assign(Object.create(remote) as T1Backend, {
    embedDocuments: async (t: readonly string[], o: Parameters<T1Backend["embedDocuments"]>[1]) => {
      const delay = [60, 5, 30, 0][calls++ % 4]!;
      active++;
      peak = Math.max(peak, active);
      try {
        const v = await remote.embedDocuments(t, o);
        await new Promise((r) => setTimeout(r, delay));
        return v;
      } finally {
        active--;
      }
    },
  });
  const r = await encodeDocuments(delayed, docs, concurrent, ENCODE_OPTS);
  assert.equal(r.encoded, docs.length);
  assert.equal(peak, 4, "the backend's concurrency limit is used");
  assert.deepEqual(added, await planOrder(remote), "batches reach the index in plan order");
  assertSameVectors(concurrent, reference);
  concurrent.close();

  // Asking for more than the backend allows is capped (native: one at a time).
  const native = await NativeBackend.open({ model: fx.modelDir, modelId: "tiny-t1" });
  assert.equal((native as { maxConcurrentRequests?: number }).maxConcurrentRequests, undefined);
  await assert.rejects(encodeDocuments(remote, docs, newIndex("bad", remote.dims), { ...ENCODE_OPTS, concurrency: 0 }), /concurrency must be a positive integer/);
  await native.close();
});

test("killed with batches in flight, the checkpoint holds a prefix of the plan and the resumed index equals the sequential one", async () => {
  const dir = join(fx.root, "killed");
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "fixtures", "encode-remote-child.ts"), url, dir, "4"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let seen = 0;
  await new Promise<void>((resolve) => {
    child.stdout.on("data", (d: Buffer) => {
      const m = [...d.toString().matchAll(/done (\d+)/g)];
      if (m.length) seen = Number(m[m.length - 1]![1]);
      if (seen >= 48) child.kill("SIGKILL");
    });
    child.on("exit", () => resolve());
  });
  assert.ok(seen >= 48 && seen < docs.length, `child got to ${seen} before the kill`);
  const partial = openIndex(dir);
  const before = partial.size;
  assert.ok(before >= 40 && before < docs.length, `${before} docs survived the kill`);
  const remote = await RemoteBackend.open({ url, concurrency: 4 });
  const plan = await planOrder(remote);
  assert.deepEqual(new Set(partial.ids()), new Set(plan.slice(0, before)), "only contiguous finished batches were checkpointed");
  const r = await encodeDocuments(remote, docs, partial, ENCODE_OPTS);
  assert.equal(r.skipped, before);
  assert.equal(r.encoded, docs.length - before);
  assertSameVectors(partial, reference);
  partial.close();
  reference.close();
});
