/**
 * Worker threads that share the chunks of one kernel call on the shared wasm memory. Synchronous
 * by design: the caller publishes the job in shared memory, wakes the workers with
 * Atomics.notify, and then claims chunks itself like any worker; it returns once every chunk is
 * done. Chunks are claimed dynamically, so a worker that the OS has not scheduled (a busy shared
 * machine, a worker still starting) just gets fewer chunks instead of stalling the call.
 *
 * The worker is plain JavaScript passed with `eval: true`, because worker threads in Node 20
 * cannot load .ts through tsx and `npm test` runs from src without a build.
 */
import { Worker } from "node:worker_threads";
import { T1Error } from "../../util/errors.js";
import type { WasmHeap } from "./wasm-heap.js";
import type { WasmModule } from "./wasm-api.js";

/** Job codes understood by the worker (and by WasmKernels for its own chunks). */
export const OP_GEMM = 1;
export const OP_GEMV = 2;
export const OP_GEMV_F16 = 3;
export const OP_GEMV_NN = 4;
export const OP_GEMV_BF16 = 5;
export const MAX_ARGS = 16;

// Control block, Int32 indices. CLAIM packs (job sequence & 0x7fff) << 16 | next chunk, so a
// claim made with a stale view of the job fails its compare-exchange instead of running.
const DONE = 0, ERROR = 1, OP = 2, ARGS = 3, CLAIM = 20, NCHUNKS = 21, SEQ = 22, BY_COLS = 23, TOTAL = 24, SIZE = 25, ROWS = 26, COLS = 27;
const READY = 32;
const CTL_INTS = READY;

/** Chunk geometry and claiming, shared verbatim by the worker source and the calling thread. */
const CHUNK_SOURCE = `
function chunkRange(ctl, c) {
  const lo = c * ctl[${SIZE}], hi = Math.min(ctl[${TOTAL}], lo + ctl[${SIZE}]);
  return ctl[${BY_COLS}] ? [0, ctl[${ROWS}], lo, hi] : [lo, hi, 0, ctl[${COLS}]];
}
/** Claims the next chunk of job \`seq\`, or returns -1 when none is left (or the job is gone). */
function claimChunk(ctl, seq) {
  const tag = (seq & 0x7fff) << 16;
  for (;;) {
    const v = Atomics.load(ctl, ${CLAIM});
    if ((v & ~0xffff) !== tag || (v & 0xffff) >= ctl[${NCHUNKS}]) return -1;
    if (Atomics.compareExchange(ctl, ${CLAIM}, v, v + 1) === v) return v & 0xffff;
  }
}
function runChunks(ctl, seq, run, counter) {
  for (let c = claimChunk(ctl, seq); c >= 0; c = claimChunk(ctl, seq)) {
    if (counter >= 0) Atomics.add(ctl, counter, 1);
    const r = chunkRange(ctl, c);
    try {
      run(r[0], r[1], r[2], r[3]);
    } catch (e) {
      Atomics.store(ctl, ${ERROR}, 1);
    }
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
}`;

const WORKER_SOURCE = `
"use strict";
const { workerData } = require("node:worker_threads");
${CHUNK_SOURCE}
const { module, memory, ctlOff, index, workers, scratch } = workerData;
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctl = new Int32Array(memory.buffer, ctlOff, ${CTL_INTS} + 2 * workers);
const a = new Int32Array(${MAX_ARGS});
let seen = Atomics.load(ctl, ${SEQ});
Atomics.store(ctl, ${READY} + index, 1);
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  const seq = Atomics.load(ctl, ${SEQ});
  if (seq === seen) continue;
  seen = seq;
  const op = ctl[${OP}];
  for (let i = 0; i < ${MAX_ARGS}; i++) a[i] = ctl[${ARGS} + i];
  runChunks(ctl, seq, (i0, i1, j0, j1) => {
    if (op === ${OP_GEMM}) ex.gemm(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], scratch, i0, i1, j0, j1);
    else if (op === ${OP_GEMV}) ex.gemv_tb(a[0], a[1], a[2], a[3], a[4], a[5], a[6], j0, j1);
    else if (op === ${OP_GEMV_F16}) ex.gemv_tb_f16(a[0], a[1], a[2], a[3], a[4], a[5], a[6], j0, j1);
    else if (op === ${OP_GEMV_BF16}) ex.gemv_tb_bf16(a[0], a[1], a[2], a[3], a[4], a[5], a[6], j0, j1);
    else if (op === ${OP_GEMV_NN}) ex.gemv_nn(a[0], a[1], a[2], a[3], a[4], a[5], a[6], j0, j1);
    else throw new Error("unknown kernel op " + op);
  }, ${READY} + workers + index);
}
`;

// The calling thread runs the same claiming code, compiled once here.
const chunkApi = new Function(`${CHUNK_SOURCE}\nreturn { runChunks };`)() as {
  runChunks(ctl: Int32Array, seq: number, run: (i0: number, i1: number, j0: number, j1: number) => void, counter: number): void;
};

/** How one product is cut: `count` chunks of `size` rows (or columns) out of `total`. */
export interface ChunkPlan {
  byCols: boolean;
  total: number;
  size: number;
  rows: number;
  cols: number;
}

export class ThreadPool {
  private readonly workers: Worker[] = [];
  private readonly ctl: Int32Array;
  private seq = 0;
  private readonly startErrors: string[] = [];
  private disposed = false;

  constructor(module: WasmModule, heap: WasmHeap, workerScratch: number[]) {
    const n = workerScratch.length;
    // After the control words: one ready flag per worker, then one count of chunks it ran.
    const ctlOff = heap.allocBytes(4 * (CTL_INTS + 2 * n));
    this.ctl = heap.i32(ctlOff, CTL_INTS + 2 * n);
    for (let index = 0; index < n; index++) {
      // execArgv: [] so that the parent's flags (--import tsx, --input-type=module, ...) do not
      // apply to this plain CommonJS source.
      const w = new Worker(WORKER_SOURCE, {
        eval: true, execArgv: [],
        workerData: { module, memory: heap.memory, ctlOff, index, workers: n, scratch: workerScratch[index] },
      });
      // A worker that fails to start never claims chunks; the caller then does them all, and
      // whenReady() reports why.
      w.on("error", (e) => { this.startErrors.push(e instanceof Error ? e.message : String(e)); });
      w.unref();
      this.workers.push(w);
    }
  }

  /** Workers started so far (they start asynchronously; calls work before that, just slower). */
  readyCount(): number {
    let k = 0;
    for (let i = 0; i < this.workers.length; i++) if (Atomics.load(this.ctl, READY + i) === 1) k++;
    return k;
  }

  /** Chunks each worker has run so far (diagnostics: shows whether workers share the load). */
  workerChunks(): number[] {
    return this.workers.map((_, i) => Atomics.load(this.ctl, READY + this.workers.length + i));
  }

  /** Resolves when every worker has started, or rejects after `timeoutMs`. */
  async whenReady(timeoutMs = 10000): Promise<void> {
    const start = Date.now();
    while (this.readyCount() < this.workers.length) {
      if (this.startErrors.length > 0 || Date.now() - start > timeoutMs) {
        const why = this.startErrors.length > 0 ? `: ${this.startErrors[0]}` : ` within ${timeoutMs} ms`;
        throw new T1Error("INTERNAL", `kernel workers: only ${this.readyCount()}/${this.workers.length} started${why}`);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /**
   * Runs the job's chunks on the workers and the calling thread (`runHere` computes one chunk
   * in the caller's own instance) and returns when all are done.
   */
  run(op: number, args: number[], plan: ChunkPlan, runHere: (i0: number, i1: number, j0: number, j1: number) => void): void {
    if (this.disposed) throw new T1Error("INTERNAL", "kernels used after dispose()");
    if (args.length > MAX_ARGS) throw new T1Error("INTERNAL", `kernel job with ${args.length} args`);
    const ctl = this.ctl;
    const chunks = Math.ceil(plan.total / plan.size);
    if (chunks > 0xffff) throw new T1Error("INTERNAL", `kernel job with ${chunks} chunks`);
    this.seq = (this.seq + 1) | 0;
    ctl[OP] = op;
    for (let i = 0; i < args.length; i++) ctl[ARGS + i] = args[i];
    ctl[BY_COLS] = plan.byCols ? 1 : 0;
    ctl[TOTAL] = plan.total;
    ctl[SIZE] = plan.size;
    ctl[ROWS] = plan.rows;
    ctl[COLS] = plan.cols;
    ctl[NCHUNKS] = chunks;
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, ERROR, 0);
    Atomics.store(ctl, CLAIM, (this.seq & 0x7fff) << 16);
    Atomics.store(ctl, SEQ, this.seq);
    Atomics.notify(ctl, SEQ);
    chunkApi.runChunks(ctl, this.seq, runHere, -1);
    for (;;) {
      const done = Atomics.load(ctl, DONE);
      if (done >= chunks) break;
      Atomics.wait(ctl, DONE, done, 1000);
    }
    if (Atomics.load(ctl, ERROR) !== 0) throw new T1Error("INTERNAL", "a kernel chunk failed (wasm trap: bad pointer or shape?)");
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.workers) void w.terminate();
  }
}
