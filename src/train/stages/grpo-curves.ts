import { renderCurvesHtml, type CurvePanel } from "../curves-html.js";
import type { StepLog } from "../train-log.js";

/** A GRPO log field by name (GrpoStepLog's; a log without it draws no point). */
const field = (key: string) => (l: StepLog): number | undefined => (l as unknown as Record<string, number | undefined>)[key];

/** The stage-3 metrics plotted after the core's panels in curves.html, in red. */
const PANELS: CurvePanel[] = ([
  ["reward (mean)", "rewardMean"],
  ["reward (std within the batch)", "rewardStd"],
  ["nDCG@10 of the trajectories", "ndcg10"],
  ["cosine to the positive", "cosinePositive"],
  ["KL to the reference (k3)", "kl"],
  ["clip fraction", "clipFraction"],
  ["trajectory length (mean tokens)", "lengthMean"],
] as const).map(([name, key]) => ({ name, value: field(key), color: "#d62728" }));

/** curves.html of a GRPO run: the core's panels (loss, infoNce, lr, grad norm, …) plus reward panels. */
export function renderGrpoCurvesHtml(logs: readonly StepLog[], title: string): string {
  return renderCurvesHtml(logs, title, PANELS);
}
