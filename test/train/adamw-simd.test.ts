import { test } from "node:test";
import assert from "node:assert/strict";
import { createKernels, WasmKernels } from "../../src/engine/kernels/index.js";
import { AdamW, globalGradNorm } from "../../src/train/adamw.js";
import type { Param } from "../../src/train/train-model.js";
import { TrainRng } from "../../src/train/rng.js";

// The f32 SIMD update (parameters in kernel memory) against the float64 JS loop (plain arrays),
// over lengths that exercise the vector body and the scalar tail, with and without decay.
test("AdamW in kernel memory (wasm SIMD, f32) matches the JS update; gradient norm too", () => {
  const k = createKernels({ threads: 1 });
  assert.ok(k instanceof WasmKernels);
  const rng = new TrainRng(3);
  const shapes = [[7, 5], [64], [3], [130, 3]];
  const wasmParams: Param[] = [], jsParams: Param[] = [];
  shapes.forEach((shape, i) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const w = Float32Array.from({ length: n }, () => rng.normal());
    const data = k.alloc(n), grad = k.alloc(n);
    data.set(w);
    wasmParams.push({ name: `p${i}`, shape, data, grad });
    jsParams.push({ name: `p${i}`, shape, data: w.slice(), grad: new Float32Array(n) });
  });
  const a = new AdamW(wasmParams, { weightDecay: 0.1 }), b = new AdamW(jsParams, { weightDecay: 0.1 });
  for (let step = 0; step < 4; step++) {
    for (let i = 0; i < shapes.length; i++) {
      for (let j = 0; j < wasmParams[i].grad!.length; j++) wasmParams[i].grad![j] = rng.normal() * (j % 3 === 0 ? 1e-3 : 1);
      jsParams[i].grad!.set(wasmParams[i].grad!);
    }
    const na = globalGradNorm(wasmParams), nb = globalGradNorm(jsParams);
    assert.ok(Math.abs(na - nb) <= 1e-12 * nb, `grad norm ${na} vs ${nb}`);
    a.update(1e-2, 0.7);
    b.update(1e-2, 0.7);
  }
  for (let i = 0; i < shapes.length; i++) {
    const x = wasmParams[i].data, y = jsParams[i].data;
    for (let j = 0; j < x.length; j++) assert.ok(Math.abs(x[j] - y[j]) <= 1e-6 * Math.abs(y[j]) + 1e-7, `${wasmParams[i].name}[${j}]: ${x[j]} vs ${y[j]}`);
    const m = a.m.get(`p${i}`)!;
    assert.ok((k as WasmKernels).owns(m), "moments live in kernel memory");
  }
  k.dispose();
});
