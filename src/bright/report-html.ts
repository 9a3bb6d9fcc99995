/**
 * report.html of `t1 bright eval`: one self-contained page (inline CSS and SVG, no scripts, no CDN)
 * with the per-domain table next to the published anchor rows, a bar chart of nDCG@10, the average,
 * and the protocol block. Every piece of text from data is HTML-escaped.
 */
import type { BrightDomain } from "../data/bright-domains.js";
import { BRIGHT_ANCHORS, CHART_ANCHORS, brightAnchor } from "./anchors.js";
import type { BrightEvalResults } from "./results.js";

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

const pct = (x: number) => (100 * x).toFixed(1);

const COLORS = ["#1f77b4", "#aaaaaa", "#6b6b6b", "#d62728"];

function barChart(r: BrightEvalResults): string {
  const series = [
    { name: `t1 ${r.protocol.retriever as string} (this run)`, value: (d: BrightDomain) => 100 * (r.domains.find((x) => x.domain === d)?.metrics.ndcg_cut_10 ?? 0) },
    ...CHART_ANCHORS.map((key) => {
      const a = brightAnchor(key)!;
      return { name: `${a.system} [${a.query}]`, value: (d: BrightDomain) => a.scores[d] };
    }),
  ];
  const domains = r.domains.map((d) => d.domain);
  const max = Math.max(10, ...domains.flatMap((d) => series.map((s) => s.value(d))));
  const top = Math.ceil(max / 10) * 10;
  const barW = 12;
  const groupW = series.length * barW + 14;
  const left = 40;
  const plotH = 220;
  const width = left + domains.length * groupW + 10;
  const height = plotH + 90;
  const parts: string[] = [];
  for (let t = 0; t <= top; t += 10) {
    const y = 10 + plotH - (t / top) * plotH;
    parts.push(`<line x1="${left}" x2="${width - 5}" y1="${y}" y2="${y}" stroke="#e5e5e5"/><text x="${left - 4}" y="${y + 4}" text-anchor="end" font-size="10">${t}</text>`);
  }
  domains.forEach((d, i) => {
    const x0 = left + i * groupW + 7;
    series.forEach((s, j) => {
      const v = s.value(d);
      const h = (v / top) * plotH;
      parts.push(`<rect x="${x0 + j * barW}" y="${10 + plotH - h}" width="${barW - 2}" height="${h}" fill="${COLORS[j % COLORS.length]}"><title>${escapeHtml(`${d} — ${s.name}: ${v.toFixed(1)}`)}</title></rect>`);
    });
    const cx = x0 + (series.length * barW) / 2;
    parts.push(`<text x="${cx}" y="${plotH + 22}" font-size="10" text-anchor="end" transform="rotate(-35 ${cx} ${plotH + 22})">${escapeHtml(d)}</text>`);
  });
  const legend = series
    .map((s, j) => `<span class="key"><span class="swatch" style="background:${COLORS[j % COLORS.length]}"></span>${escapeHtml(s.name)}</span>`)
    .join(" ");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="nDCG@10 per domain">${parts.join("")}</svg><div class="legend">${legend}</div>`;
}

function table(r: BrightEvalResults): string {
  const anchors = BRIGHT_ANCHORS;
  const head =
    `<tr><th>domain</th><th>queries</th><th>documents</th><th>excluded (applied / dropped)</th><th>nDCG@10 ×100</th><th>R@100 ×100</th><th>R@1000 ×100</th>` +
    anchors.map((a) => `<th class="anchor" title="${escapeHtml(a.source)}">${escapeHtml(a.system)}<br><small>${escapeHtml(a.query)}</small></th>`).join("") +
    `</tr>`;
  const rows = r.domains.map(
    (d) =>
      `<tr class="domain"><td>${escapeHtml(d.domain)}</td><td>${d.queries}</td><td>${d.documents}</td><td>${d.exclusions.applied} / ${d.exclusions.dropped}</td>` +
      `<td class="ours">${pct(d.metrics.ndcg_cut_10)}</td><td>${pct(d.metrics.recall_100)}</td><td>${pct(d.metrics.recall_1000)}</td>` +
      anchors.map((a) => `<td class="anchor">${a.scores[d.domain].toFixed(1)}</td>`).join("") +
      `</tr>`,
  );
  const all = r.domains.length === 12;
  const avgAnchor = (a: (typeof anchors)[number]) =>
    all ? a.average.toFixed(1) : (r.domains.reduce((s, d) => s + a.scores[d.domain], 0) / Math.max(1, r.domains.length)).toFixed(1);
  const avg =
    `<tr class="avg"><td>average (${r.averageOver} domain${r.averageOver === 1 ? "" : "s"})</td><td></td><td></td><td></td>` +
    `<td class="ours">${pct(r.average.ndcg_cut_10)}</td><td>${pct(r.average.recall_100)}</td><td>${pct(r.average.recall_1000)}</td>` +
    anchors.map((a) => `<td class="anchor">${avgAnchor(a)}</td>`).join("") +
    `</tr>`;
  return `<table><thead>${head}</thead><tbody>${rows.join("")}${avg}</tbody></table>` +
    (all ? "" : `<p class="note">Anchor averages are recomputed over the same ${r.domains.length} domain(s); the published ones are over all 12.</p>`);
}

/** The whole page. */
export function renderBrightReport(r: BrightEvalResults): string {
  const instructions = r.domains
    .map((d) => `<tr><td>${escapeHtml(d.domain)}</td><td class="text">${escapeHtml(d.instruction.query ?? "(none)")}</td><td class="text">${escapeHtml(d.instruction.document ?? "(none)")}</td></tr>`)
    .join("");
  const sources = BRIGHT_ANCHORS.map((a) => `<li>${escapeHtml(a.system)} (${escapeHtml(a.query)}): ${escapeHtml(a.source)}</li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>BRIGHT: t1 ${escapeHtml(String(r.protocol.retriever))} — nDCG@10 ${pct(r.average.ndcg_cut_10)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;margin:12px 0}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}
th{background:#f4f4f4;vertical-align:bottom}td:first-child,th:first-child{text-align:left}
td.ours{font-weight:bold;background:#eef5fc}td.anchor,th.anchor{color:#555}tr.avg td{border-top:2px solid #888;font-weight:bold}
pre{background:#f7f7f7;padding:10px;overflow:auto;max-height:480px}.legend{margin:4px 0 12px}.key{margin-right:14px}
.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}.note{color:#666}td.text{text-align:left}
</style></head><body>
<h1>BRIGHT evaluation: t1 ${escapeHtml(String(r.protocol.retriever))}</h1>
<p>nDCG@10 ×100 per domain, average <b>${pct(r.average.ndcg_cut_10)}</b> over ${r.averageOver} domain(s). t1 ${escapeHtml(r.t1Version)}, ${escapeHtml(r.timestamp)}.</p>
<p>Command: <code>${escapeHtml(r.command)}</code></p>
<h2>Per domain</h2>
${table(r)}
<h2>nDCG@10 ×100</h2>
${barChart(r)}
<h2>Instructions</h2>
<table><thead><tr><th>domain</th><th>query instruction</th><th>document instruction</th></tr></thead><tbody>${instructions}</tbody></table>
<h2>Protocol</h2>
<pre>${escapeHtml(JSON.stringify(r.protocol, null, 2))}</pre>
<h2>Anchor sources</h2>
<ul>${sources}</ul>
</body></html>
`;
}
