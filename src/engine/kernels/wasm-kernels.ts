/**
 * The WebAssembly backend: SIMD128 or relaxed-SIMD kernels compiled from wasm/src/kernels.c,
 * one shared memory, the main thread plus optional workers. Arrays from `alloc` are used in
 * place; any other array is copied into temporary kernel memory and back.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { T1Error } from "../../util/errors.js";
import type { Kernels } from "./types.js";
import { checkLengths, checkMatmulArgs } from "./shapes.js";
import { wasmApi, type WasmGlobal, type WasmModule } from "./wasm-api.js";
import { WasmHeap } from "./wasm-heap.js";
import { WasmTrainOps, type TrainExports } from "./wasm-train-ops.js";
import { ThreadPool, OP_GEMM, OP_GEMV, OP_GEMV_F16, OP_GEMV_NN, OP_GEMV_BF16, type ChunkPlan } from "./thread-pool.js";

/** The build links with --initial-memory=131072; our heap starts above the module's own data. */
const MODULE_MEMORY_BYTES = 131072;
/** Below this many multiply-adds a worker wake-up (~10-50 µs) costs more than it saves. */
const PARALLEL_MIN_MACS = 1 << 18;
const NR = 8;
/** Plain a·b with at most this many rows uses the unpacked kernel (the GEMM pads M to 4 rows). */
const SKINNY_NN_MAX_M = 4;
const SKINNY_MAX_A_FLOATS = 131072;

interface KernelExports extends TrainExports {
  gemm(M: number, N: number, K: number, A: number, sai: number, sap: number, B: number, bF16: number, sbp: number, sbj: number,
    C: number, ldc: number, acc: number, scratch: number, i0: number, i1: number, j0: number, j1: number): void;
  gemv_tb(M: number, N: number, K: number, A: number, B: number, C: number, acc: number, j0: number, j1: number): void;
  gemv_tb_f16(M: number, N: number, K: number, A: number, B: number, C: number, acc: number, j0: number, j1: number): void;
  gemv_tb_bf16(M: number, N: number, K: number, A: number, B: number, C: number, acc: number, j0: number, j1: number): void;
  gemv_nn(M: number, N: number, K: number, A: number, B: number, C: number, acc: number, j0: number, j1: number): void;
  rmsnorm(out: number, x: number, w: number, rows: number, cols: number, eps: number): void;
  softmax_rows(x: number, rows: number, cols: number): void;
  swiglu(out: number, gate: number, up: number, n: number): void;
  add_in_place(x: number, y: number, n: number): void;
  scratch_floats(): number;
  micro_rows(): number;
  __heap_base: WasmGlobal;
}

type Flavour = "relaxed" | "simd";
const compiled = new Map<Flavour, WasmModule>();

/** The compiled module for a flavour; `wasm/` sits three levels above both src/ and dist/ files. */
export function loadKernelModule(flavour: Flavour): WasmModule {
  let m = compiled.get(flavour);
  if (!m) {
    const file = fileURLToPath(new URL(`../../../wasm/kernels-${flavour}.wasm`, import.meta.url));
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new T1Error("NOT_FOUND", `kernel binary ${file} is missing; run \`npm run build:wasm\``, { cause: e });
    }
    if (!wasmApi) throw new T1Error("UNSUPPORTED", "kernels: this runtime has no WebAssembly");
    m = new wasmApi.Module(bytes);
    compiled.set(flavour, m);
  }
  return m;
}

/** Live instances, so code holding only arrays (the optimizer) can find the kernels that own them. */
let instances: WeakRef<WasmKernels>[] = [];

interface Operand {
  ptr: number;
  temp: boolean;
}

export class WasmKernels implements Kernels {
  readonly name: "wasm-relaxed-simd" | "wasm-simd";
  readonly threads: number;
  /**
   * Products smaller than this many multiply-adds run on the calling thread alone. Default 2^18:
   * below it a worker wake-up (~10-50 µs) costs more than it saves. Tests lower it to exercise
   * the threaded paths on small shapes.
   */
  parallelMinMacs = PARALLEL_MIN_MACS;
  /**
   * x·Wᵀ products with at most this many rows skip packing and stream W once through L2 (the
   * decode / small-batch path); taller ones use the packed GEMM. Default 64. Measured on Zen 5
   * (CPU time, K=2048 N=6144): skinny/GEMM GFLOPS 26/8 at M=2, 39/30 at M=16, 48/46 at M=64,
   * 51/52 at M=128. Tests change it to cover both paths.
   */
  skinnyMaxM = 64;
  /**
   * The same for f16 weights. Default 8: the GEMM decodes each weight once per call, the skinny
   * path once per 4 rows, so the packed path wins sooner (33/30 GFLOPS at M=8, 35/37 at M=16).
   */
  skinnyMaxMF16 = 8;
  /** SIMD training ops (RMSNorm/SwiGLU/attention backward, cross-entropy, AdamW) on arrays from this instance's alloc. */
  readonly train: WasmTrainOps;
  private readonly heap: WasmHeap;
  private readonly ex: KernelExports;
  private pool?: ThreadPool;
  private readonly scratch: number;
  private readonly mr: number;

  constructor(flavour: Flavour, threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new T1Error("BAD_INPUT", `kernels: threads must be a positive integer, got ${threads}`);
    const module = loadKernelModule(flavour);
    this.name = flavour === "relaxed" ? "wasm-relaxed-simd" : "wasm-simd";
    this.threads = threads;
    this.heap = new WasmHeap(MODULE_MEMORY_BYTES, 4 << 20);
    this.ex = new wasmApi!.Instance(module, { env: { memory: this.heap.memory } }).exports as unknown as KernelExports;
    const heapBase = this.ex.__heap_base.value as number;
    if (heapBase > MODULE_MEMORY_BYTES) throw new T1Error("INTERNAL", `kernel module data ends at ${heapBase}, above ${MODULE_MEMORY_BYTES}`);
    this.mr = this.ex.micro_rows();
    this.train = new WasmTrainOps(this.ex, this);
    instances = instances.filter((r) => r.deref() !== undefined);
    instances.push(new WeakRef(this));
    const scratchBytes = 4 * this.ex.scratch_floats();
    this.scratch = this.heap.allocBytes(scratchBytes);
    if (threads > 1) {
      const workerScratch: number[] = [];
      for (let t = 1; t < threads; t++) workerScratch.push(this.heap.allocBytes(scratchBytes));
      this.pool = new ThreadPool(module, this.heap, workerScratch);
    }
  }

  /** Resolves once every worker thread has started; until then calls use fewer threads. */
  async whenReady(timeoutMs?: number): Promise<void> {
    await this.pool?.whenReady(timeoutMs);
  }

  alloc(n: number): Float32Array {
    return this.heap.f32(this.heap.allocBytes(4 * n), n);
  }
  free(a: Float32Array): void {
    if (this.heap.owns(a)) this.heap.freeBytes(a.byteOffset);
  }
  allocU16(n: number): Uint16Array {
    return this.heap.u16(this.heap.allocBytes(2 * n), n);
  }
  freeU16(a: Uint16Array): void {
    if (this.heap.owns(a)) this.heap.freeBytes(a.byteOffset);
  }
  /** Chunks of threaded products each worker thread has run (empty with 1 thread). */
  workerChunks(): number[] {
    return this.pool?.workerChunks() ?? [];
  }
  /**
   * Bytes copied in and out because callers passed arrays that do not come from `alloc`. Each
   * such call takes the slow path; a growing count in a hot loop points at an array to move into
   * kernel memory.
   */
  foreignBytesCopied = 0;
  /** Bytes of kernel memory handed out by alloc (scratch and control blocks included). */
  get liveBytes(): number {
    return this.heap.liveBytes;
  }

  matmulTransB(out: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number, accumulate = false): void {
    checkMatmulArgs("matmulTransB", out, a, b, M, K, N, M * K, N * K, M * N);
    this.product(out, a, b, M * N, accumulate, (pa, pb, po, acc) => {
      if (this.skinny(M, K, this.skinnyMaxM)) this.run(OP_GEMV, [M, N, K, pa, pb, po, acc], M, N, K, true);
      else this.run(OP_GEMM, [M, N, K, pa, K, 1, pb, 0, 1, K, po, N, acc], M, N, K, false);
    }, M * K, N * K);
  }

  matmul(out: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number, accumulate = false): void {
    checkMatmulArgs("matmul", out, a, b, M, K, N, M * K, K * N, M * N);
    this.product(out, a, b, M * N, accumulate, (pa, pb, po, acc) => {
      if (M <= SKINNY_NN_MAX_M) this.run(OP_GEMV_NN, [M, N, K, pa, pb, po, acc], M, N, K, true);
      else this.run(OP_GEMM, [M, N, K, pa, K, 1, pb, 0, N, 1, po, N, acc], M, N, K, false);
    }, M * K, K * N);
  }

  matmulTransA(out: Float32Array, a: Float32Array, b: Float32Array, M: number, K: number, N: number, accumulate = false): void {
    checkMatmulArgs("matmulTransA", out, a, b, M, K, N, M * K, M * N, K * N);
    // out(K,N): its rows run over K and the reduction over M.
    this.product(out, a, b, K * N, accumulate, (pa, pb, po, acc) => {
      this.run(OP_GEMM, [K, N, M, pa, 1, K, pb, 0, N, 1, po, N, acc], K, N, M, false);
    }, M * K, M * N);
  }

  matmulTransBF16(out: Float32Array, a: Float32Array, bF16: Uint16Array, M: number, K: number, N: number, accumulate = false): void {
    checkMatmulArgs("matmulTransBF16", out, a, bF16, M, K, N, M * K, N * K, M * N);
    this.halfProduct(out, a, bF16, M, K, N, accumulate, OP_GEMV_F16, 1);
  }

  matmulTransBBf16(out: Float32Array, a: Float32Array, bBf16: Uint16Array, M: number, K: number, N: number, accumulate = false): void {
    checkMatmulArgs("matmulTransBBf16", out, a, bBf16, M, K, N, M * K, N * K, M * N);
    this.halfProduct(out, a, bBf16, M, K, N, accumulate, OP_GEMV_BF16, 2);
  }

  /** x·Wᵀ with 16-bit weights: `skinnyOp` for few rows, else the GEMM decoding `bType` while packing. */
  private halfProduct(out: Float32Array, a: Float32Array, b: Uint16Array, M: number, K: number, N: number, accumulate: boolean, skinnyOp: number, bType: number): void {
    this.product(out, a, b, M * N, accumulate, (pa, pb, po, acc) => {
      if (this.skinny(M, K, this.skinnyMaxMF16)) this.run(skinnyOp, [M, N, K, pa, pb, po, acc], M, N, K, true);
      else this.run(OP_GEMM, [M, N, K, pa, K, 1, pb, bType, 1, K, po, N, acc], M, N, K, false);
    }, M * K, N * K);
  }

  rmsnorm(out: Float32Array, x: Float32Array, weight: Float32Array, rows: number, cols: number, eps: number): void {
    checkLengths("rmsnorm", { rows, cols }, { out: [out, rows * cols], x: [x, rows * cols], weight: [weight, cols] });
    this.elementwise([x, weight], [rows * cols, cols], out, rows * cols, (p, o) => this.ex.rmsnorm(o, p[0], p[1], rows, cols, eps));
  }

  softmaxRows(x: Float32Array, rows: number, cols: number): void {
    checkLengths("softmaxRows", { rows, cols }, { x: [x, rows * cols] });
    this.elementwise([x], [rows * cols], x, rows * cols, (_p, o) => this.ex.softmax_rows(o, rows, cols));
  }

  swiglu(out: Float32Array, gate: Float32Array, up: Float32Array, n: number): void {
    checkLengths("swiglu", { n }, { out: [out, n], gate: [gate, n], up: [up, n] });
    this.elementwise([gate, up], [n, n], out, n, (p, o) => this.ex.swiglu(o, p[0], p[1], n));
  }

  addInPlace(x: Float32Array, y: Float32Array, n: number): void {
    checkLengths("addInPlace", { n }, { x: [x, n], y: [y, n] });
    this.elementwise([y], [n], x, n, (p, o) => this.ex.add_in_place(o, p[0], n));
  }

  /** True when every one of `arrays` lives in this instance's kernel memory. */
  owns(...arrays: ArrayBufferView[]): boolean {
    return arrays.every((a) => this.heap.owns(a));
  }

  /** The live instance whose kernel memory holds every one of `arrays`, if any. */
  static owning(...arrays: ArrayBufferView[]): WasmKernels | undefined {
    for (const r of instances) {
      const k = r.deref();
      if (k?.owns(...arrays)) return k;
    }
    return undefined;
  }

  /** Terminates the workers. The instance stays usable, on the calling thread only, so a
   * dispose() on the shared `getKernels()` instance cannot break other users. */
  dispose(): void {
    this.pool?.dispose();
    this.pool = undefined;
  }

  /** Resolves operands to kernel-memory pointers (copying outsiders in), runs, copies out. */
  private product(out: Float32Array, a: Float32Array, b: Float32Array | Uint16Array, outLen: number,
    accumulate: boolean, body: (pa: number, pb: number, po: number, acc: number) => void, aLen: number, bLen: number): void {
    if (outLen === 0) return;
    const temps: number[] = [];
    try {
      const oa = this.operand(a.subarray(0, aLen), temps, true);
      const ob = this.operand(b.subarray(0, bLen), temps, true);
      const oo = this.operand(out.subarray(0, outLen), temps, accumulate);
      body(oa.ptr, ob.ptr, oo.ptr, accumulate ? 1 : 0);
      if (oo.temp) this.copyOut(out, oo.ptr, outLen);
    } finally {
      for (const p of temps) this.heap.freeBytes(p);
    }
  }

  private copyOut(out: Float32Array, ptr: number, n: number): void {
    out.set(this.heap.f32(ptr, n));
    this.foreignBytesCopied += 4 * n;
  }

  /**
   * Runs a single-threaded row/elementwise op: inputs and `out` resolved to kernel memory (out
   * is copied in too, since ops like addInPlace and softmaxRows read it; an input that is the
   * very same array as out shares its pointer), then out copied back if it was temporary.
   */
  private elementwise(inputs: Float32Array[], lens: number[], out: Float32Array, outLen: number, body: (ptrs: number[], po: number) => void): void {
    if (outLen === 0) return;
    const temps: number[] = [];
    try {
      const oo = this.operand(out.subarray(0, outLen), temps, true);
      const ptrs = inputs.map((x, i) => (x === out ? oo.ptr : this.operand(x.subarray(0, lens[i]), temps, true).ptr));
      body(ptrs, oo.ptr);
      if (oo.temp) this.copyOut(out, oo.ptr, outLen);
    } finally {
      for (const p of temps) this.heap.freeBytes(p);
    }
  }

  private operand(x: Float32Array | Uint16Array, temps: number[], copyIn: boolean): Operand {
    if (this.heap.owns(x)) return { ptr: x.byteOffset, temp: false };
    const ptr = this.heap.allocBytes(x.byteLength);
    temps.push(ptr);
    if (copyIn) {
      if (x instanceof Float32Array) this.heap.f32(ptr, x.length).set(x);
      else this.heap.u16(ptr, x.length).set(x);
      this.foreignBytesCopied += x.byteLength;
    }
    return { ptr, temp: true };
  }

  /**
   * Cuts one product into chunks for the calling thread and the workers: output columns when
   * there are enough (each chunk then packs only its own slice of B), else rows.
   */
  private run(op: number, args: number[], rows: number, cols: number, inner: number, gemv: boolean): void {
    const parts = this.pool && rows * cols * inner >= this.parallelMinMacs ? this.threads : 1;
    // A few chunks per thread balance uneven progress; tiny chunks would waste per-chunk packing.
    const perThread = 3;
    let plan: ChunkPlan | undefined;
    if (parts > 1) {
      const unit = gemv ? 16 : NR; // 16: the widest column block of the skinny kernels
      const minCols = gemv ? 64 : 4 * NR;
      if (cols >= 2 * minCols) {
        const size = Math.max(minCols, Math.ceil(cols / (parts * perThread) / unit) * unit);
        plan = { byCols: true, total: cols, size, rows, cols };
      } else if (!gemv && rows >= 2 * this.mr) {
        const size = Math.max(this.mr, Math.ceil(rows / parts / this.mr) * this.mr);
        plan = { byCols: false, total: rows, size, rows, cols };
      }
    }
    if (!plan) return this.runShare(op, args, 0, rows, 0, cols);
    this.pool!.run(op, args, plan, (i0, i1, j0, j1) => this.runShare(op, args, i0, i1, j0, j1));
  }

  /** The skinny path re-reads A for every block of W rows, so A must also stay in L2 (512 KiB). */
  private skinny(M: number, K: number, maxM: number): boolean {
    return M <= maxM && (M <= 4 || M * K <= SKINNY_MAX_A_FLOATS);
  }

  private runShare(op: number, a: number[], i0: number, i1: number, j0: number, j1: number): void {
    if (op === OP_GEMM) this.ex.gemm(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], this.scratch, i0, i1, j0, j1);
    else if (op === OP_GEMV) this.ex.gemv_tb(a[0], a[1], a[2], a[3], a[4], a[5], a[6], j0, j1);
    else if (op === OP_GEMV_F16) this.ex.gemv_tb_f16(a[0], a[1], a[2], a[3], a[4], a[5], a[6], j0, j1);
    else if (op === OP_GEMV_BF16) this.ex.gemv_tb_bf16(a[0], a[1], a[2], a[3], a[4], a[5], a[6], j0, j1);
    else this.ex.gemv_nn(a[0], a[1], a[2], a[3], a[4], a[5], a[6], j0, j1);
  }
}
