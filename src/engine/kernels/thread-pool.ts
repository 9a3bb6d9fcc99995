/**
 * Worker threads that run shares of one kernel call on the shared wasm memory. Synchronous by
 * design: the caller writes the job into shared memory, wakes the workers with Atomics.notify,
 * computes its own share, then blocks in Atomics.wait until every worker has reported back.
 *
 * The worker is plain JavaScript passed with `eval: true`, because worker threads in Node 20
 * cannot load .ts through tsx and `npm test` runs from src without a build.
 */
import { Worker } from "node:worker_threads";
import { T1Error } from "../../util/errors.js";
import type { WasmHeap } from "./wasm-heap.js";
import type { WasmModule } from "./wasm-api.js";

/** Job codes understood by the worker (and by WasmKernels for its own share). */
export const OP_GEMM = 1;
export const OP_GEMV = 2;
export const OP_GEMV_F16 = 3;
/** Arguments per job, ranges per thread ([i0, i1, j0, j1]). */
export const MAX_ARGS = 16;

// Control block (Int32 indices): done counter, error flag, op, args, then one ready flag per worker.
const DONE = 0;
const ERROR = 1;
const OP = 2;
const ARGS = 3;
const READY = 32;

/** Runs one job share; shared verbatim by the worker source and the main thread. */
export const RUN_SHARE_SOURCE = `
function runShare(ex, op, a, scratch, i0, i1, j0, j1) {
  if (op === ${OP_GEMM}) ex.gemm(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], scratch, i0, i1, j0, j1);
  else if (op === ${OP_GEMV}) ex.gemv_tb(a[0], a[1], a[2], a[3], a[4], a[5], a[6], j0, j1);
  else if (op === ${OP_GEMV_F16}) ex.gemv_tb_f16(a[0], a[1], a[2], a[3], a[4], a[5], a[6], j0, j1);
  else throw new Error("unknown kernel op " + op);
}`;

const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
${RUN_SHARE_SOURCE}
const { module, memory, ctlOff, rangeOff, goOff, index, scratch } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(memory.buffer, ctlOff, ${READY} + index + 1);
const range = new Int32Array(memory.buffer, rangeOff + 16 * (index + 1), 4);
const go = new Int32Array(memory.buffer, goOff + 64 * index, 1);
const args = new Int32Array(memory.buffer, ctlOff + 4 * ${ARGS}, ${MAX_ARGS});
let seen = Atomics.load(go, 0);
Atomics.store(ctl, ${READY} + index, 1);
for (;;) {
  Atomics.wait(go, 0, seen);
  const g = Atomics.load(go, 0);
  if (g === seen) continue;
  seen = g;
  try {
    runShare(ex, Atomics.load(ctl, ${OP}), args, scratch, range[0], range[1], range[2], range[3]);
  } catch (e) {
    Atomics.store(ctl, ${ERROR}, 1);
  }
  Atomics.add(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${DONE});
}
`;

export class ThreadPool {
  private readonly workers: Worker[] = [];
  private readonly ctl: Int32Array;
  private readonly args: Int32Array;
  /** Row t: the [i0, i1, j0, j1] share of thread t (0 = the calling thread). */
  readonly ranges: Int32Array;
  private readonly go: Int32Array;
  private disposed = false;

  constructor(module: WasmModule, heap: WasmHeap, workerScratch: number[]) {
    const n = workerScratch.length;
    const ctlOff = heap.allocBytes(4 * (READY + n));
    const rangeOff = heap.allocBytes(16 * (n + 1));
    const goOff = heap.allocBytes(64 * Math.max(1, n));
    this.ctl = heap.i32(ctlOff, READY + n);
    this.args = heap.i32(ctlOff + 4 * ARGS, MAX_ARGS);
    this.ranges = heap.i32(rangeOff, 4 * (n + 1));
    this.go = heap.i32(goOff, 16 * Math.max(1, n));
    for (let index = 0; index < n; index++) {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory: heap.memory, ctlOff, rangeOff, goOff, index, scratch: workerScratch[index] },
      });
      // A failing worker never sets its ready flag, so it simply never gets work.
      w.on("error", () => {});
      w.unref();
      this.workers.push(w);
    }
  }

  /** Workers that have started and can take work now (they start asynchronously). */
  readyWorkers(): number[] {
    const out: number[] = [];
    if (this.disposed) return out;
    for (let i = 0; i < this.workers.length; i++) if (Atomics.load(this.ctl, READY + i) === 1) out.push(i);
    return out;
  }

  /** Resolves when every worker is ready, or rejects after `timeoutMs`. */
  async whenReady(timeoutMs = 10000): Promise<void> {
    const start = Date.now();
    while (this.readyWorkers().length < this.workers.length) {
      if (Date.now() - start > timeoutMs) {
        throw new T1Error("INTERNAL", `kernel workers: only ${this.readyWorkers().length}/${this.workers.length} started within ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** Writes the job and wakes the workers listed in `who` (their ranges must be set). */
  dispatch(op: number, args: number[], who: number[]): void {
    if (args.length > MAX_ARGS) throw new T1Error("INTERNAL", `kernel job with ${args.length} args`);
    Atomics.store(this.ctl, DONE, 0);
    Atomics.store(this.ctl, ERROR, 0);
    Atomics.store(this.ctl, OP, op);
    for (let i = 0; i < args.length; i++) this.args[i] = args[i];
    for (const w of who) {
      Atomics.add(this.go, 16 * w, 1);
      Atomics.notify(this.go, 16 * w);
    }
  }

  /** Blocks until `count` workers have finished the current job. */
  join(count: number): void {
    for (;;) {
      const done = Atomics.load(this.ctl, DONE);
      if (done >= count) break;
      Atomics.wait(this.ctl, DONE, done, 1000);
    }
    if (Atomics.load(this.ctl, ERROR) !== 0) throw new T1Error("INTERNAL", "a kernel worker thread failed (wasm trap: bad pointer or shape?)");
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.workers) void w.terminate();
  }
}
