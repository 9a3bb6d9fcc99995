import { renderCurvesHtml, type StepLog } from "../train-log.js";

/** The stage-3 metrics plotted beside the core's panels in curves.html. */
const PANELS: [string, string][] = [
  ["reward (mean)", "rewardMean"],
  ["reward (std within the batch)", "rewardStd"],
  ["nDCG@10 of the trajectories", "ndcg10"],
  ["cosine to the positive", "cosinePositive"],
  ["KL to the reference (k3)", "kl"],
  ["clip fraction", "clipFraction"],
  ["trajectory length (mean tokens)", "lengthMean"],
];

/** curves.html of a GRPO run: the core's panels (loss, infoNce, lr, grad norm, …) plus reward panels. */
export function renderGrpoCurvesHtml(logs: readonly StepLog[], title: string): string {
  const extra = PANELS.map(([name, key]) => {
    const pts = logs.map((l) => [l.step, (l as unknown as Record<string, number>)[key]] as const).filter((p) => typeof p[1] === "number" && Number.isFinite(p[1]));
    return pts.length ? svgPanel(name, pts) : "";
  }).join("\n");
  const html = renderCurvesHtml([...logs], title);
  return html.replace("</div></body>", `${extra}\n</div></body>`);
}

function svgPanel(name: string, pts: readonly (readonly [number, number])[]): string {
  const W = 420, H = 260, L = 60, R = 12, T = 28, B = 34;
  const x0 = Math.min(...pts.map((p) => p[0])), x1 = Math.max(...pts.map((p) => p[0]), x0 + 1);
  let y0 = Math.min(...pts.map((p) => p[1])), y1 = Math.max(...pts.map((p) => p[1]));
  if (y1 - y0 < 1e-12 * Math.max(1, Math.abs(y1))) {
    y0 -= 0.5 * Math.abs(y0 || 1);
    y1 += 0.5 * Math.abs(y1 || 1);
  }
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const d = pts.map((p, i) => `${i ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join("");
  const fmt = (v: number) => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(2) : v.toPrecision(4));
  const ticks = [y0, (y0 + y1) / 2, y1].map((v) => `<text x="${L - 4}" y="${sy(v) + 4}" text-anchor="end" font-size="11">${fmt(v)}</text><line x1="${L}" x2="${W - R}" y1="${sy(v)}" y2="${sy(v)}" stroke="#eee"/>`).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${name}">
<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${name}</text>${ticks}
<text x="${L}" y="${H - 12}" font-size="11">${x0}</text><text x="${W - R}" y="${H - 12}" text-anchor="end" font-size="11">step ${x1}</text>
<path d="${d}" fill="none" stroke="#d62728" stroke-width="1.5"/></svg>`;
}
