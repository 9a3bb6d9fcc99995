/**
 * Two self-contained SVG figures for RESULTS.md: the rows as horizontal bars (mean nDCG@10 with
 * ± sd whiskers), and the training curves as small multiples (one panel per step, one line per seed).
 */

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

export function barsSvg(bars: readonly { label: string; mean: number; sd: number; highlight?: boolean }[], title: string): string {
  const rowH = 22, left = 210, width = 640, plotW = width - left - 60, top = 34;
  const height = top + bars.length * rowH + 30;
  const max = Math.max(1e-9, ...bars.map((b) => b.mean + b.sd), 1);
  const x = (v: number) => left + (Math.max(0, v) / max) * plotW;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`, `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14">${esc(title)}</text>`];
  for (let t = 0; t <= 4; t++) {
    const v = (max * t) / 4;
    parts.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${top - 4}" y2="${top + bars.length * rowH}" stroke="#ddd"/>`, `<text x="${x(v)}" y="${top + bars.length * rowH + 16}" text-anchor="middle" fill="#555">${v.toFixed(2)}</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    parts.push(
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${left}" y="${y + 4}" width="${x(b.mean) - left}" height="${rowH - 8}" fill="${b.highlight ? "#d62728" : "#4c78a8"}"/>`,
      `<line x1="${x(b.mean - b.sd)}" x2="${x(b.mean + b.sd)}" y1="${y + rowH / 2}" y2="${y + rowH / 2}" stroke="black"/>`,
      `<text x="${x(b.mean + b.sd) + 4}" y="${y + 15}" fill="#333">${b.mean.toFixed(3)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

export function curvesSvg(panels: readonly { title: string; series: readonly { label: string; points: readonly [number, number][] }[] }[]): string {
  const pw = 300, ph = 180, cols = 3, pad = 40;
  const rows = Math.ceil(panels.length / cols);
  const width = cols * pw, height = rows * ph + 24;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`, `<rect width="100%" height="100%" fill="white"/>`];
  panels.forEach((p, i) => {
    const ox = (i % cols) * pw, oy = Math.floor(i / cols) * ph;
    const all = p.series.flatMap((s) => s.points);
    if (!all.length) return;
    const xs = all.map((q) => q[0]), ys = all.map((q) => q[1]).filter(Number.isFinite);
    const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1), y0 = Math.min(...ys), y1 = Math.max(...ys, y0 + 1e-9);
    const X = (v: number) => ox + pad + ((v - x0) / (x1 - x0)) * (pw - pad - 10);
    const Y = (v: number) => oy + ph - 28 - ((v - y0) / (y1 - y0)) * (ph - 58);
    parts.push(`<text x="${ox + pw / 2}" y="${oy + 16}" text-anchor="middle" font-size="12">${esc(p.title)}</text>`,
      `<rect x="${ox + pad}" y="${oy + 24}" width="${pw - pad - 10}" height="${ph - 52}" fill="none" stroke="#ccc"/>`,
      `<text x="${ox + pad - 4}" y="${Y(y1) + 4}" text-anchor="end" fill="#555">${y1.toPrecision(3)}</text>`,
      `<text x="${ox + pad - 4}" y="${Y(y0)}" text-anchor="end" fill="#555">${y0.toPrecision(3)}</text>`,
      `<text x="${ox + pw - 10}" y="${oy + ph - 12}" text-anchor="end" fill="#555">step ${x1}</text>`);
    p.series.forEach((s, j) => {
      const d = s.points.filter((q) => Number.isFinite(q[1])).map((q, k) => `${k ? "L" : "M"}${X(q[0]).toFixed(1)},${Y(q[1]).toFixed(1)}`).join("");
      parts.push(`<path d="${d}" fill="none" stroke="${COLORS[j % COLORS.length]}" stroke-width="1.3"><title>${esc(s.label)}</title></path>`);
      parts.push(`<text x="${ox + pad + 4 + j * 48}" y="${oy + ph - 12}" fill="${COLORS[j % COLORS.length]}">${esc(s.label)}</text>`);
    });
  });
  parts.push("</svg>");
  return parts.join("\n");
}
