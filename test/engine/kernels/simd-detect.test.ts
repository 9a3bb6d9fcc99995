/**
 * SIMD detection in fresh processes: on a Node where relaxed SIMD sits behind a V8 flag, the
 * kernels turn the flag on themselves (main thread and workers), and T1_NO_RELAXED_FLAG keeps
 * them on plain SIMD. The product computed in each process is checked against float64.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const index = fileURLToPath(new URL("../../../src/engine/kernels/index.ts", import.meta.url));
const script = `
import { createKernels, detectSimd } from ${JSON.stringify(index)};
const k = createKernels({ threads: 2 });
await k.whenReady?.();
k.parallelMinMacs = 0;
const M = 9, K = 33, N = 70, a = k.alloc(M * K), b = k.alloc(N * K), out = k.alloc(M * N);
for (let i = 0; i < a.length; i++) a[i] = Math.sin(i);
for (let i = 0; i < b.length; i++) b[i] = Math.cos(i);
k.matmulTransB(out, a, b, M, K, N);
let err = 0;
for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
  let s = 0;
  for (let p = 0; p < K; p++) s += a[i * K + p] * b[j * K + p];
  err = Math.max(err, Math.abs(s - out[i * N + j]));
}
console.log(JSON.stringify({ simd: detectSimd(), name: k.name, err }));
k.dispose();
`;

function run(env: Record<string, string | undefined>): { simd: string; name: string; err: number } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    encoding: "utf8", env: { ...process.env, T1_NO_RELAXED_FLAG: undefined, ...env },
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

test("relaxed SIMD is enabled by flag when needed, and T1_NO_RELAXED_FLAG keeps plain SIMD", () => {
  const auto = run({});
  assert.ok(auto.err < 1e-4, `error ${auto.err}`);
  if (auto.simd === "none") return; // no wasm SIMD at all: nothing more to check
  assert.equal(auto.name, auto.simd === "relaxed" ? "wasm-relaxed-simd" : "wasm-simd");
  const [major] = process.versions.node.split(".").map(Number);
  if (major === 20) assert.equal(auto.simd, "relaxed", "Node 20 supports relaxed SIMD behind --experimental-wasm-relaxed-simd");
  const plain = run({ T1_NO_RELAXED_FLAG: "1" });
  assert.ok(plain.err < 1e-4, `error ${plain.err}`);
  if (major === 20) assert.deepEqual([plain.simd, plain.name], ["simd", "wasm-simd"]);
});
