/**
 * The server's one queue for model work. In-process backends share one model and the CPU cores,
 * so jobs run `concurrency` at a time (1 unless the backend says otherwise) in arrival order. Every
 * job is bounded:
 * - the queue holds at most `maxDepth` jobs (running + waiting); one more is refused at once
 *   (`QueueFullError`, answered 429 with Retry-After), so a burst cannot pile up unbounded latency;
 * - a job gets an AbortSignal that fires when its client goes away (its own signal) or when it has
 *   run `timeoutMs` (`JobTimeoutError`, answered 504); a job whose client left while it waited is
 *   dropped without running;
 * - the slot stays taken until the work really returns (the backend is not reentrant), so a job
 *   that ignores its signal shows up as `stuck` in `stats()` (and /health), never as free capacity.
 */
import { T1Error } from "../util/errors.js";

export interface WorkQueueOptions {
  /** Jobs allowed at once, running plus waiting. Default 16: deeper queues only add latency. */
  maxDepth?: number;
  /** Jobs that run at the same time. Default 1 (in-process backends are not reentrant). */
  concurrency?: number;
  /** Longest a job may run, in ms, before its signal aborts it. Default 120 000. */
  timeoutMs?: number;
  /** How long past its timeout a job may still run before the queue calls the model stuck. Default
   * max(5000, timeoutMs / 2): a decode step takes milliseconds, so an aborted job stops well before. */
  stuckGraceMs?: number;
}

export class QueueFullError extends T1Error {
  constructor(
    readonly depth: number,
    /** Seconds a client should wait before retrying: about the time the queue ahead needs. */
    readonly retryAfterS: number,
  ) {
    super("REMOTE", `the server is busy: ${depth} requests queued (the limit, --queue-depth); retry in ${retryAfterS} s`);
    this.name = "QueueFullError";
  }
}

export class JobTimeoutError extends T1Error {
  constructor(readonly timeoutMs: number) {
    super("REMOTE", `the request ran longer than ${timeoutMs / 1000} s (--request-timeout) and was stopped`);
    this.name = "JobTimeoutError";
  }
}

/** The client went away (or the server is shutting down); nobody reads the answer. */
export class JobAbortedError extends T1Error {
  constructor(readonly reason: string) {
    super("REMOTE", `request aborted: ${reason}`);
    this.name = "JobAbortedError";
  }
}

export interface QueueStats {
  running: number;
  waiting: number;
  maxDepth: number;
  /** Milliseconds the longest-running job has run (0 when idle). */
  oldestRunningMs: number;
  /** A job has run past its timeout plus a grace: the model did not stop when told to. */
  stuck: boolean;
  completed: number;
  rejected: number;
  timedOut: number;
  aborted: number;
}

interface Job {
  start: () => void;
  signal: AbortSignal;
  onAbortWhileWaiting: () => void;
}

export class WorkQueue {
  readonly maxDepth: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  private readonly stuckGraceMs: number;
  private readonly waiting: Job[] = [];
  private readonly runningSince = new Set<{ t: number }>();
  private readonly counts = { completed: 0, rejected: 0, timedOut: 0, aborted: 0 };
  /** Recent run times (ms), for Retry-After. */
  private meanRunMs = 0;

  constructor(opts: WorkQueueOptions = {}) {
    this.maxDepth = opts.maxDepth ?? 16;
    this.concurrency = opts.concurrency ?? 1;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.stuckGraceMs = opts.stuckGraceMs ?? Math.max(5_000, this.timeoutMs / 2);
    if (!(Number.isInteger(this.maxDepth) && this.maxDepth >= 1)) throw new T1Error("BAD_INPUT", `queue depth must be a positive integer, got ${opts.maxDepth}`);
    if (!(Number.isInteger(this.concurrency) && this.concurrency >= 1)) throw new T1Error("BAD_INPUT", `concurrency must be a positive integer, got ${opts.concurrency}`);
    if (!(this.timeoutMs > 0)) throw new T1Error("BAD_INPUT", `timeout must be > 0 ms, got ${opts.timeoutMs}`);
  }

  get depth(): number {
    return this.runningSince.size + this.waiting.length;
  }

  stats(): QueueStats {
    const now = performance.now();
    let oldest = 0;
    for (const r of this.runningSince) oldest = Math.max(oldest, now - r.t);
    return {
      running: this.runningSince.size,
      waiting: this.waiting.length,
      maxDepth: this.maxDepth,
      oldestRunningMs: Math.round(oldest),
      // A job still running well past its abort did not check its signal.
      stuck: oldest > this.timeoutMs + this.stuckGraceMs,
      ...this.counts,
    };
  }

  /**
   * Runs `work` when a slot is free. `clientSignal` aborts it (waiting or running); the signal
   * passed to `work` also fires at the timeout. Rejects with QueueFullError at once when full.
   */
  run<T>(work: (signal: AbortSignal) => Promise<T>, clientSignal: AbortSignal): Promise<T> {
    if (this.depth >= this.maxDepth) {
      this.counts.rejected++;
      const ahead = Math.max(1, this.meanRunMs) * this.depth / this.concurrency;
      throw new QueueFullError(this.depth, Math.max(1, Math.ceil(ahead / 1000)));
    }
    if (clientSignal.aborted) {
      this.counts.aborted++;
      return Promise.reject(new JobAbortedError(String(clientSignal.reason ?? "client disconnected")));
    }
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        signal: clientSignal,
        onAbortWhileWaiting: () => {
          const i = this.waiting.indexOf(job);
          if (i < 0) return;
          this.waiting.splice(i, 1);
          this.counts.aborted++;
          reject(new JobAbortedError(String(clientSignal.reason ?? "client disconnected")));
        },
        start: () => {
          clientSignal.removeEventListener("abort", job.onAbortWhileWaiting);
          const slot = { t: performance.now() };
          this.runningSince.add(slot);
          const ctrl = new AbortController();
          const onClient = (): void => ctrl.abort(clientSignal.reason);
          clientSignal.addEventListener("abort", onClient, { once: true });
          if (clientSignal.aborted) ctrl.abort(clientSignal.reason);
          let timedOut = false;
          const timer = setTimeout(() => {
            timedOut = true;
            ctrl.abort(new JobTimeoutError(this.timeoutMs));
            // Answer the client now; the slot stays taken until the work returns.
            reject(new JobTimeoutError(this.timeoutMs));
          }, this.timeoutMs);
          let p: Promise<T>;
          try {
            p = work(ctrl.signal);
          } catch (e) {
            p = Promise.reject(e);
          }
          p.then(
            (v) => {
              if (ctrl.signal.aborted && !timedOut) this.counts.aborted++;
              else if (!timedOut) this.counts.completed++;
              resolve(v);
            },
            (e: unknown) => {
              if (timedOut) this.counts.timedOut++;
              else if (clientSignal.aborted) this.counts.aborted++;
              reject(clientSignal.aborted && !timedOut ? new JobAbortedError(String(clientSignal.reason ?? "client disconnected")) : e);
            },
          ).finally(() => {
            clearTimeout(timer);
            clientSignal.removeEventListener("abort", onClient);
            const ran = performance.now() - slot.t;
            this.meanRunMs = this.meanRunMs === 0 ? ran : 0.8 * this.meanRunMs + 0.2 * ran;
            this.runningSince.delete(slot);
            this.next();
          });
        },
      };
      clientSignal.addEventListener("abort", job.onAbortWhileWaiting, { once: true });
      this.waiting.push(job);
      this.next();
    });
  }

  /** Resolves once nothing runs or waits, or after `ms` (then false). */
  async idle(ms: number): Promise<boolean> {
    const end = performance.now() + ms;
    while (this.depth > 0) {
      if (performance.now() >= end) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  }

  private next(): void {
    while (this.runningSince.size < this.concurrency && this.waiting.length > 0) this.waiting.shift()!.start();
  }
}
