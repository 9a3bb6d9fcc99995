import type { StepLog } from "./train-log.js";

/** One plotted metric of a training log: a title and the value of a step (absent or non-finite: no point). */
export interface CurvePanel<L extends StepLog = StepLog> {
  name: string;
  value: (l: L) => number | undefined;
  /** Line colour. Default "#1f77b4" (blue). */
  color?: string;
}

/** The panels of every training run: loss, objective terms, learning rate, gradient norm, tokens/s and memory. */
const CORE_PANELS: CurvePanel[] = [
  { name: "loss", value: (l) => l.loss },
  { name: "lm (cross-entropy)", value: (l) => l.lm },
  { name: "infoNce", value: (l) => l.infoNce },
  { name: "learning rate", value: (l) => l.lr },
  { name: "grad norm (before clipping)", value: (l) => l.gradNorm },
  { name: "tokens/s", value: (l) => l.tokensPerSecond },
  { name: "resident memory (MiB)", value: (l) => l.rssMiB },
];

/**
 * A self-contained HTML page (inline SVG, no scripts or external assets) plotting loss, learning
 * rate, gradient norm and tokens/s against the step, then the `extra` panels of a stage (GRPO's
 * rewards, …). A panel with no finite value is left out.
 */
export function renderCurvesHtml<L extends StepLog>(logs: readonly L[], title: string, extra: readonly CurvePanel<L>[] = []): string {
  const svgs = (panels: readonly CurvePanel<L>[]) => panels.map((p) => curveSvg(p, logs)).join("\n");
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:20px;color:#222}svg{margin:8px;border:1px solid #ddd;background:#fff}.grid{display:flex;flex-wrap:wrap}</style>
</head><body><h1>${esc(title)}</h1><p>${logs.length} steps${logs.length ? `, last loss ${logs[logs.length - 1].loss.toPrecision(5)}` : ""}</p>
<div class="grid">
${svgs(CORE_PANELS)}${extra.length ? `\n${svgs(extra)}` : ""}
</div></body></html>
`;
}

/** One panel as an SVG line plot against the step, or "" when no step has a finite value. */
function curveSvg<L extends StepLog>({ name, value, color = "#1f77b4" }: CurvePanel<L>, logs: readonly L[]): string {
  const pts = logs.map((l) => [l.step, value(l)] as const).filter((p): p is readonly [number, number] => typeof p[1] === "number" && Number.isFinite(p[1]));
  if (!pts.length) return "";
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
<path d="${path}" fill="none" stroke="${color}" stroke-width="1.5"/></svg>`;
}
