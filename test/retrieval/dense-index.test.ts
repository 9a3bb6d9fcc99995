import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { createIndex, openIndex } from "../../src/retrieval/index/dense-index.js";
import { T1Error } from "../../src/util/errors.js";
import { bruteForce, randomRows } from "./fixtures/random-vectors.js";

const tmp = (): string => mkdtempSync(join(tmpdir(), "t1-idx-"));
const ids = (n: number, p = "d"): string[] => Array.from({ length: n }, (_, i) => `${p}${i}`);

test("flat f32 search equals a float64 brute force, across segments and after reopening", () => {
  const dir = tmp();
  const dims = 48;
  const rows = randomRows(5000, dims, 1);
  const all = ids(5000);
  const idx = createIndex(dir, { dims, model: "m", instruction: "ins" });
  idx.add(all.slice(0, 3000), rows.subarray(0, 3000 * dims));
  idx.flush();
  idx.add(all.slice(3000), rows.subarray(3000 * dims));
  const queries = Array.from({ length: 7 }, (_, i) => randomRows(1, dims, 100 + i));
  const check = (hits: { id: string; cosine: number }[][]): void => {
    queries.forEach((q, i) => {
      const ref = bruteForce(rows, all, dims, q, 10);
      assert.deepEqual(hits[i].map((h) => h.id), ref.map((h) => h.id));
      hits[i].forEach((h, j) => assert.ok(Math.abs(h.cosine - ref[j].cosine) < 1e-5));
    });
  };
  check(idx.searchBatch(queries, { k: 10 }));
  idx.close();
  const again = openIndex(dir, { model: "m", instruction: "ins" });
  assert.equal(again.size, 5000);
  check(queries.map((q) => again.search(q, { k: 10 })));
  again.close();
  rmSync(dir, { recursive: true });
});

test("f16 rows: cosines within 2e-3 of f32 and top-10 overlap >= 9", () => {
  const dir = tmp();
  const dims = 64;
  const rows = randomRows(2000, dims, 2);
  const idx = createIndex(dir, { dims, model: "m", dtype: "f16" });
  idx.add(ids(2000), rows);
  idx.close();
  const re = openIndex(dir);
  for (let i = 0; i < 5; i++) {
    const q = randomRows(1, dims, 200 + i);
    const ref = bruteForce(rows, ids(2000), dims, q, 10);
    const hits = re.search(q, { k: 10 });
    const overlap = hits.filter((h) => ref.some((r) => r.id === h.id)).length;
    assert.ok(overlap >= 9, `overlap ${overlap}`);
    for (const h of hits) {
      const r = bruteForce(rows, ids(2000), dims, q, 2000).find((x) => x.id === h.id)!;
      assert.ok(Math.abs(h.cosine - r.cosine) < 2e-3);
    }
  }
  re.close();
  rmSync(dir, { recursive: true });
});

test("delete hides rows, survives reopen and compaction; re-adding a deleted id works", () => {
  const dir = tmp();
  const dims = 16;
  const rows = randomRows(100, dims, 3);
  const idx = createIndex(dir, { dims, model: "m" });
  idx.add(ids(100), rows);
  const q = rows.slice(5 * dims, 6 * dims);
  assert.equal(idx.search(q, { k: 1 })[0].id, "d5");
  assert.equal(idx.delete(["d5", "nope"]), 1);
  assert.notEqual(idx.search(q, { k: 1 })[0].id, "d5");
  assert.throws(() => idx.add(["d6"], rows.slice(0, dims)), /already in the index/);
  idx.close();
  const re = openIndex(dir);
  assert.equal(re.size, 99);
  assert.ok(!re.has("d5"));
  assert.ok(re.search(q, { k: 100 }).every((h) => h.id !== "d5"));
  re.add(["d5"], q);
  assert.equal(re.search(q, { k: 1 })[0].id, "d5");
  re.compact();
  re.close();
  const c = openIndex(dir);
  assert.equal(c.manifest.segments.length, 1);
  assert.equal(c.size, 100);
  assert.equal(c.search(q, { k: 1 })[0].id, "d5");
  c.close();
  rmSync(dir, { recursive: true });
});

test("opening with another model, instruction or width is a MISMATCH; corrupt files are caught", () => {
  const dir = tmp();
  const idx = createIndex(dir, { dims: 8, model: "model-a", instruction: "docs" });
  idx.add(["a"], new Float32Array(8).fill(1));
  idx.close();
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      return e instanceof T1Error ? e.code : "other";
    }
    return undefined;
  };
  assert.equal(code(() => openIndex(dir, { model: "model-b" })), "MISMATCH");
  assert.equal(code(() => openIndex(dir, { model: "model-a", instruction: "other" })), "MISMATCH");
  assert.equal(code(() => openIndex(dir, { dims: 9 })), "MISMATCH");
  assert.throws(() => createIndex(dir, { dims: 8, model: "x" }), /already holds an index/);
  const vec = readdirSync(dir).find((f) => f.endsWith(".vec"))!;
  const bytes = readFileSync(join(dir, vec));
  bytes[0] ^= 0xff;
  writeFileSync(join(dir, vec), bytes);
  assert.throws(() => openIndex(dir), /checksum mismatch/);
  rmSync(dir, { recursive: true });
});

test("hnsw: recall@10 >= 0.9 against the flat scan, delete, and reopen from the saved graph", () => {
  const dir = tmp();
  const dims = 32;
  const n = 3000;
  const rows = randomRows(n, dims, 4);
  const idx = createIndex(dir, { kind: "hnsw", dims, model: "m", hnsw: { connectivity: 16, expansionAdd: 100, expansionSearch: 100 } });
  idx.add(ids(n), rows);
  idx.close();
  const re = openIndex(dir);
  assert.ok(re.manifest.hnsw?.file);
  let hit = 0;
  const nq = 30;
  for (let i = 0; i < nq; i++) {
    const q = randomRows(1, dims, 300 + i);
    const exact = new Set(re.search(q, { k: 10, exact: true }).map((h) => h.id));
    const approx = re.search(q, { k: 10 });
    hit += approx.filter((h) => exact.has(h.id)).length;
  }
  assert.ok(hit / (nq * 10) >= 0.9, `recall ${hit / (nq * 10)}`);
  const q = rows.slice(7 * dims, 8 * dims);
  assert.equal(re.search(q, { k: 1 })[0].id, "d7");
  re.delete(["d7"]);
  assert.notEqual(re.search(q, { k: 1 })[0].id, "d7");
  re.close();
  const again = openIndex(dir);
  assert.notEqual(again.search(q, { k: 1 })[0].id, "d7");
  again.close();
  rmSync(dir, { recursive: true });
});

for (const kind of ["flat", "hnsw"] as const) {
  test(`${kind}: a writer killed mid-flush leaves the last flushed generation intact`, async () => {
    const dir = tmp();
    const batch = 50;
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "fixtures", "index-writer.ts"), dir, kind, String(batch)], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let flushed = 0;
      const target = 2 + round;
      await new Promise<void>((resolve) => {
        child.stdout.on("data", (d: Buffer) => {
          const m = [...d.toString().matchAll(/flushed (\d+)/g)];
          if (m.length) flushed = Number(m[m.length - 1][1]);
          // Kill at a varying point inside the next flush, not right after a finished one.
          if (flushed >= target) setTimeout(() => child.kill("SIGKILL"), 3 + round * 4);
        });
        child.on("exit", () => resolve());
      });
      const idx = openIndex(dir);
      const rows = idx.manifest.rows;
      assert.equal(rows % batch, 0, "only whole flushed batches");
      assert.ok(rows / batch >= flushed, `${rows / batch} batches on disk, child reported ${flushed}`);
      for (let b = 0; b < rows / batch; b++) {
        const v = randomRows(batch, 32, 1000 + b);
        const probe = b % 3 === 2 ? 1 : 0;
        const probeVec = v.slice(probe * 32, (probe + 1) * 32);
        assert.equal(idx.search(probeVec, { k: 1, exact: true })[0].id, `d${b * batch + probe}`);
        // The graph (saved only at close, so absent or behind after a kill) must have caught up.
        if (kind === "hnsw") assert.equal(idx.search(probeVec, { k: 1 })[0].id, `d${b * batch + probe}`);
        assert.equal(idx.has(`d${b * batch}`), b % 3 !== 2);
      }
      idx.close();
    }
    rmSync(dir, { recursive: true });
  });
}

test("hnsw f16: incremental adds after reopening land in the loaded graph and persist", () => {
  const dir = tmp();
  const dims = 24;
  const rows = randomRows(600, dims, 9);
  const idx = createIndex(dir, { kind: "hnsw", dtype: "f16", dims, model: "m" });
  idx.add(ids(300), rows.subarray(0, 300 * dims));
  idx.close();
  const re = openIndex(dir, { expansionSearch: 128 });
  re.add(ids(600).slice(300), rows.subarray(300 * dims));
  const q = rows.slice(450 * dims, 451 * dims);
  assert.equal(re.search(q, { k: 1 })[0].id, "d450");
  re.close();
  const again = openIndex(dir);
  assert.equal(again.size, 600);
  assert.equal(again.search(q, { k: 1 })[0].id, "d450");
  assert.ok(Math.abs(again.search(q, { k: 1 })[0].cosine - 1) < 2e-3);
  again.close();
  rmSync(dir, { recursive: true });
});

test("one writer per directory: a second writer is refused, a dead writer's lock is taken over", () => {
  const dir = tmp();
  const a = createIndex(dir, { dims: 4, model: "m" });
  a.add(["x"], new Float32Array([1, 0, 0, 0]));
  const reader = openIndex(dir);
  assert.equal(reader.search(new Float32Array([1, 0, 0, 0]), { k: 1 }).length, 0, "a reader sees the last flushed state");
  assert.throws(() => reader.add(["y"], new Float32Array([0, 1, 0, 0])), /being written by process/);
  reader.close();
  a.close();
  // A lock left by a process that no longer exists (pid far above pid_max) is stale.
  writeFileSync(join(dir, "writer.lock"), JSON.stringify({ pid: 2 ** 30, host: hostname() }));
  const b = openIndex(dir);
  b.add(["y"], new Float32Array([0, 1, 0, 0]));
  b.close();
  assert.equal(openIndex(dir).size, 2);
  rmSync(dir, { recursive: true });
});
