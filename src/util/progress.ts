/**
 * Progress for long jobs: a redrawn line with count, rate and ETA on a TTY; plain log lines (at most
 * one every `logEverySeconds`) when stderr is a file or pipe, so CI logs stay readable.
 */
export interface ProgressOptions {
  /** What is counted, e.g. "docs" or "queries". Default "items". */
  unit?: string;
  /** Seconds between plain log lines when not on a TTY. Default 10: fewer lines, coarser news. */
  logEverySeconds?: number;
  /** Stream to write to. Default process.stderr (stdout stays clean for results). */
  stream?: NodeJS.WriteStream;
  /** Silence all output (tests, library use). Default false. */
  quiet?: boolean;
}

export class Progress {
  private done = 0;
  private readonly start = performance.now();
  private lastLog = 0;
  private readonly unit: string;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly logEvery: number;
  private readonly quiet: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    opts: ProgressOptions = {},
  ) {
    this.unit = opts.unit ?? "items";
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.logEvery = (opts.logEverySeconds ?? 10) * 1000;
    this.quiet = opts.quiet ?? false;
    // The first line comes at once (the count to do, "0/N"), not after the first logEvery seconds:
    // a redirected log shows that the job started and how big it is.
    if (!this.quiet) this.write(`${label}: starting, ${total !== undefined ? `${total} ` : ""}${this.unit}${total !== undefined ? " to do" : ""}`, false);
  }

  /** Adds `n` finished items and redraws or logs when due. */
  tick(n = 1): void {
    this.done += n;
    if (this.quiet) return;
    const now = performance.now();
    const due = this.tty ? now - this.lastLog > 100 : now - this.lastLog > this.logEvery;
    if (due) {
      this.lastLog = now;
      this.render(false);
    }
  }

  /** Prints the final line (always, unless quiet). */
  finish(): void {
    if (!this.quiet) this.render(true);
  }

  get count(): number {
    return this.done;
  }

  private render(final: boolean): void {
    const secs = (performance.now() - this.start) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    let text = `${this.label}: ${this.done}${this.total !== undefined ? "/" + this.total : ""} ${this.unit}`;
    text += ` (${formatRate(rate)} ${this.unit}/s`;
    if (this.total !== undefined && !final && rate > 0) text += `, ETA ${formatDuration((this.total - this.done) / rate)}`;
    if (final) text += `, ${formatDuration(secs)}`;
    text += ")";
    this.write(text, final);
  }

  private write(text: string, final: boolean): void {
    if (this.tty) this.stream.write(`\r\x1b[K${text}${final ? "\n" : ""}`);
    else this.stream.write(text + "\n");
  }
}

function formatRate(r: number): string {
  return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(1)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${Math.round(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${Math.round((s % 3600) / 60)}m`;
}
