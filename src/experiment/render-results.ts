/**
 * RESULTS.md from results.json (never from anything else, so the page and the data cannot
 * disagree): the table, the ordering checks, a per-family table, the reasoning statistics, wall
 * time per step, the config, and two SVG figures written next to the page.
 */
import { basename, dirname, join } from "node:path";
import { mkdirSync } from "node:fs";
import { writeFileAtomic } from "../util/atomic.js";
import type { ExperimentResults, MeanSd } from "./results.js";
import { ROWS } from "./seed-run.js";
import { barsSvg, curvesSvg } from "./svg-plots.js";

const pm = (m: MeanSd, digits = 3) => (Number.isFinite(m.mean) ? `${m.mean.toFixed(digits)} ± ${m.sd.toFixed(digits)}` : "–");

export function resultsMarkdown(r: ExperimentResults, figurePrefix: string): string {
  const fams = r.testbed.families;
  const L: string[] = [];
  L.push("# T1 experiment results", "");
  L.push(`Generated from \`results.json\` (schema \`${r.schema}\`, finished ${r.finishedAt}). Every number below comes from this one command:`, "");
  L.push("```sh", r.command, "```", "");
  L.push(`Testbed \`${r.testbed.dir}\`: ${r.testbed.corpus} documents, ${r.testbed.train} / ${r.testbed.dev} / ${r.testbed.test} train / dev / test queries, families ${fams.map((f) => `\`${f}\``).join(", ")}. ` +
    `Seeds ${r.seeds.join(", ")} (mean ± sample sd over seeds). ${r.split === "dev" ? "DEV split (tuning)" : "Test split"}, ranked against the whole corpus; nDCG@10 and R@10 as trec_eval's \`ndcg_cut.10\` and \`recall.10\`.`, 
    ...(r.seeds.length < 2 ? ["", `> **One seed only.** Each ± below is 0 because there is a single seed, not because the runs agree. Rerun with more seeds before reading anything into differences of a few points.`] : []),
    "");
  L.push("## Rows", "", "| row | what | nDCG@10 | R@10 |", "|---|---|---|---|");
  for (const name of ROWS) {
    const row = r.rows[name];
    L.push(`| \`${name}\` | ${row.what} | ${pm(row.ndcg10)} | ${pm(row.recall10)} |`);
  }
  L.push("", `![rows](${figurePrefix}-rows.svg)`, "");
  L.push("## Does the expected ordering hold?", "", "On mean nDCG@10:", "");
  for (const c of r.ordering) L.push(`- ${c.holds ? "✅" : "❌"} ${c.check}`);
  L.push("", "## nDCG@10 per family", "", `| row | ${fams.join(" | ")} |`, `|---|${fams.map(() => "---").join("|")}|`);
  for (const name of ROWS) L.push(`| \`${name}\` | ${fams.map((f) => pm(r.rows[name].perFamily[f]!.ndcg10)).join(" | ")} |`);
  L.push("", "## R@10 per family", "", `| row | ${fams.join(" | ")} |`, `|---|${fams.map(() => "---").join("|")}|`);
  for (const name of ROWS) L.push(`| \`${name}\` | ${fams.map((f) => pm(r.rows[name].perFamily[f]!.recall10)).join(" | ")} |`);
  L.push("", "## Reasoning", "", "Tokens per test query (all seeds pooled; the gold row counts the teacher reasoning in the model's tokenizer), and the rate at which the reasoning states the answer entity (the row's `answer`, else the first positive document's title or first content word).", "");
  L.push(`| reasoning | mean | min | p25 | median | p75 | max | states the answer | ${fams.map((f) => `answer: ${f}`).join(" | ")} |`, `|---|---|---|---|---|---|---|---|${fams.map(() => "---").join("|")}|`);
  for (const [name, s] of Object.entries(r.reasoning)) {
    const l = s.lengths;
    L.push(`| \`${name}\` | ${l.mean.toFixed(1)} | ${l.min} | ${l.p25} | ${l.median} | ${l.p75} | ${l.max} | ${pm(s.answerRate.overall, 2)} | ${fams.map((f) => pm(s.answerRate.perFamily[f]!, 2)).join(" | ")} |`);
  }
  L.push("", "## Wall time per step (seconds)", "", "| step | mean ± sd | per seed |", "|---|---|---|");
  for (const [name, m] of Object.entries(r.wallSeconds)) L.push(`| ${name} | ${pm(m, 1)} | ${m.perSeed.map((x) => x.toFixed(1)).join(", ")} |`);
  L.push("", "A step resumed after a kill counts only its last run.", "");
  L.push("## Training curves", "", `![training curves](${figurePrefix}-curves.svg)`, "");
  L.push(`Stage 2 continued ran ${r.continuedSteps} steps: stage 3's steps × queries × group size sequence passes, in stage-2 batches.`, "");
  L.push("## Config (`experiment.json`)", "", "```json", JSON.stringify(r.config, null, 2), "```", "");
  return L.join("\n");
}

/** Writes the page and its two figures (`<name>-rows.svg`, `<name>-curves.svg` beside it). */
export function renderResults(r: ExperimentResults, mdPath: string): void {
  const dir = dirname(mdPath), prefix = basename(mdPath).replace(/\.md$/i, "").toLowerCase();
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, `${prefix}-rows.svg`), barsSvg(ROWS.map((n) => ({ label: n, mean: r.rows[n].ndcg10.mean, sd: r.rows[n].ndcg10.sd, highlight: n === "stage3:reason" })), `nDCG@10 on the test split (mean ± sd over ${r.seeds.length} seed${r.seeds.length > 1 ? "s" : ""})`));
  const steps = [...new Set(Object.values(r.curves).flatMap((c) => Object.keys(c)))];
  writeFileAtomic(join(dir, `${prefix}-curves.svg`), curvesSvg(steps.map((s) => ({
    title: `${s}: ${Object.values(r.curves).find((c) => c[s])?.[s]?.metric ?? ""}`,
    series: Object.entries(r.curves).filter(([, c]) => c[s]).map(([seed, c]) => ({ label: `seed ${seed}`, points: c[s]!.points })),
  }))));
  writeFileAtomic(mdPath, resultsMarkdown(r, prefix));
}
