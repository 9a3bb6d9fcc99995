import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../util/atomic.js";

/** One line of log.jsonl: one optimiser step. */
export interface StepLog {
  step: number;
  loss: number;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Real (unpadded) tokens processed per second of wall time in this step. */
  tokensPerSecond: number;
  /** Objective terms when present. */
  lm?: number;
  infoNce?: number;
  /** Real tokens in the step (all micro-batches). */
  tokens: number;
  /** Seconds of wall time in the step. */
  seconds: number;
  /** Resident memory of the process after the step, MiB (weights, optimiser, kernel heap). */
  rssMiB?: number;
}

/** Reads log.jsonl; a torn last line from a killed run is skipped. */
export function readStepLog(path: string): StepLog[] {
  if (!existsSync(path)) return [];
  const out: StepLog[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as StepLog);
    } catch {
      /* torn write at the moment of a kill */
    }
  }
  return out;
}

/**
 * On resume from a checkpoint at `step`, lines of steps after it were written by the killed run
 * and will be recomputed: drop them so the log has each step exactly once.
 */
export function truncateStepLog(path: string, step: number): void {
  if (!existsSync(path)) return;
  const kept = readStepLog(path).filter((l) => l.step <= step);
  writeFileAtomic(path, kept.map((l) => JSON.stringify(l) + "\n").join(""));
}

export function appendStepLog(path: string, entry: StepLog): void {
  appendFileSync(path, JSON.stringify(entry) + "\n");
}

/**
 * A self-contained HTML page (inline SVG, no scripts or external assets) plotting loss, learning
 * rate, gradient norm and tokens/s against the step.
 */
export function renderCurvesHtml(logs: StepLog[], title: string): string {
  const panels: [string, (l: StepLog) => number | undefined][] = [
    ["loss", (l) => l.loss],
    ["lm (cross-entropy)", (l) => l.lm],
    ["infoNce", (l) => l.infoNce],
    ["learning rate", (l) => l.lr],
    ["grad norm (before clipping)", (l) => l.gradNorm],
    ["tokens/s", (l) => l.tokensPerSecond],
    ["resident memory (MiB)", (l) => l.rssMiB],
  ];
  const svgs = panels
    .map(([name, f]) => {
      const pts = logs.map((l) => [l.step, f(l)] as const).filter((p): p is readonly [number, number] => typeof p[1] === "number" && Number.isFinite(p[1]));
      return pts.length ? panel(name, pts) : "";
    })
    .join("\n");
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:20px;color:#222}svg{margin:8px;border:1px solid #ddd;background:#fff}.grid{display:flex;flex-wrap:wrap}</style>
</head><body><h1>${esc(title)}</h1><p>${logs.length} steps${logs.length ? `, last loss ${logs[logs.length - 1].loss.toPrecision(5)}` : ""}</p>
<div class="grid">
${svgs}
</div></body></html>
`;
}

function panel(name: string, pts: readonly (readonly [number, number])[]): string {
  const W = 420, H = 260, L = 60, R = 12, T = 28, B = 34;
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1);
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (y1 - y0 < 1e-12 * Math.max(1, Math.abs(y1))) {
    y0 -= 0.5 * Math.abs(y0 || 1);
    y1 += 0.5 * Math.abs(y1 || 1);
  }
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const path = pts.map((p, i) => `${i ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join("");
  const fmt = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(2) : v.toPrecision(4));
  const ticks = [y0, (y0 + y1) / 2, y1]
    .map((v) => `<text x="${L - 4}" y="${sy(v) + 4}" text-anchor="end" font-size="11">${fmt(v)}</text><line x1="${L}" x2="${W - R}" y1="${sy(v)}" y2="${sy(v)}" stroke="#eee"/>`)
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${name}">
<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${name}</text>${ticks}
<text x="${L}" y="${H - 12}" font-size="11">${x0}</text><text x="${W - R}" y="${H - 12}" text-anchor="end" font-size="11">step ${x1}</text>
<path d="${path}" fill="none" stroke="#1f77b4" stroke-width="1.5"/></svg>`;
}
