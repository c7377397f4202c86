// Hand-written SVG line charts for benchmark results: one or more stacked panels, each with axes,
// "nice" ticks, labelled axes, a legend, optional shaded x-bands (phases, breaker states) and
// horizontal reference lines (thresholds). Null y values break a line (a series that is idle).

export interface Series { name: string; points: Array<[number, number | null]>; color?: string; dashed?: boolean }
export interface Band { from: number; to: number; label: string; color: string }
export interface RefLine { y: number; label: string; color?: string }
export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  bands?: Band[];
  refLines?: RefLine[];
  yMin?: number;
  yMax?: number;
}

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const PANEL_W = 920;
const PANEL_H = 300;
const M = { left: 80, right: 230, top: 40, bottom: 50 };

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Tick values covering [min, max] with steps of 1, 2 or 5 x 10^k, about `count` of them. */
export function niceTicks(min: number, max: number, count = 6): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError(`niceTicks: bounds must be finite, got ${min}..${max}`);
  if (max <= min) max = min + 1;
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => s >= raw)!;
  // From the last step at or below min to the first at or above max, so the axis covers the data.
  const ticks: number[] = [];
  const first = Math.floor(min / step + 1e-9);
  const last = Math.ceil(max / step - 1e-9);
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (a >= 1e4) return `${Number((v / 1e3).toPrecision(3))}k`;
  return `${Number(v.toPrecision(4))}`;
}

function renderPanel(p: Panel, offsetY: number): string {
  const w = PANEL_W - M.left - M.right;
  const h = PANEL_H - M.top - M.bottom;
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of p.series) for (const [x, y] of s.points) { xs.push(x); if (y !== null) ys.push(y); }
  for (const r of p.refLines ?? []) ys.push(r.y);
  for (const b of p.bands ?? []) xs.push(b.from, b.to);
  const xTicks = niceTicks(xs.length ? Math.min(...xs) : 0, xs.length ? Math.max(...xs) : 1);
  const xMin = xTicks[0];
  const xMax = xTicks[xTicks.length - 1];
  const yLo = p.yMin ?? 0;
  const yTicks = niceTicks(yLo, p.yMax ?? (ys.length ? Math.max(...ys, yLo + 1e-9) : 1));
  const yMax = p.yMax ?? yTicks[yTicks.length - 1];
  const sx = (x: number) => M.left + ((x - xMin) / (xMax - xMin || 1)) * w;
  const sy = (y: number) => offsetY + M.top + h - ((y - yLo) / (yMax - yLo || 1)) * h;
  const out: string[] = [];
  out.push(`<text x="${M.left}" y="${offsetY + 24}" font-size="16" font-weight="bold">${escapeXml(p.title)}</text>`);
  for (const b of p.bands ?? []) {
    const x0 = sx(b.from);
    const x1 = sx(b.to);
    out.push(`<rect x="${x0.toFixed(1)}" y="${offsetY + M.top}" width="${Math.max(0, x1 - x0).toFixed(1)}" height="${h}" fill="${b.color}" fill-opacity="0.15"/>`);
    out.push(`<text x="${((x0 + x1) / 2).toFixed(1)}" y="${offsetY + M.top + 12}" font-size="10" text-anchor="middle" fill="#444">${escapeXml(b.label)}</text>`);
  }
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${y}" font-size="11" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  for (const t of xTicks) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${offsetY + M.top + h}" y2="${offsetY + M.top + h + 5}" stroke="#333"/>`);
    out.push(`<text x="${x}" y="${offsetY + M.top + h + 18}" font-size="11" text-anchor="middle">${fmt(t)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${offsetY + M.top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.left + w / 2}" y="${offsetY + PANEL_H - 10}" font-size="12" text-anchor="middle">${escapeXml(p.xLabel)}</text>`);
  const yMid = offsetY + M.top + h / 2;
  out.push(`<text x="18" y="${yMid}" font-size="12" text-anchor="middle" transform="rotate(-90 18 ${yMid})">${escapeXml(p.yLabel)}</text>`);
  const legend: Array<{ name: string; color: string; dashed: boolean }> = [];
  p.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    legend.push({ name: s.name, color, dashed: !!s.dashed });
    let d = "";
    let pen = false;
    for (const [x, y] of s.points) {
      if (y === null) { pen = false; continue; }
      d += `${pen ? "L" : "M"}${sx(x).toFixed(1)},${sy(Math.min(Math.max(y, yLo), yMax)).toFixed(1)}`;
      pen = true;
    }
    if (d) out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    // A lone point (between gaps) would be invisible as a path: mark every point lightly.
    for (const [x, y] of s.points) if (y !== null) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(Math.min(Math.max(y, yLo), yMax)).toFixed(1)}" r="2" fill="${color}"/>`);
  });
  for (const r of p.refLines ?? []) {
    const color = r.color ?? "#000";
    const y = sy(r.y).toFixed(1);
    out.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${y}" y2="${y}" stroke="${color}" stroke-dasharray="2 3"/>`);
    legend.push({ name: r.label, color, dashed: true });
  }
  legend.forEach((l, i) => {
    const lx = M.left + w + 14;
    const ly = offsetY + M.top + 10 + i * 18;
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${l.color}" stroke-width="2"${l.dashed ? ' stroke-dasharray="6 4"' : ""}/>`);
    out.push(`<text x="${lx + 28}" y="${ly}" font-size="11" dominant-baseline="middle">${escapeXml(l.name)}</text>`);
  });
  return out.join("\n");
}

/** A complete SVG document: a title line, then the panels stacked vertically. */
export function renderChart(title: string, panels: Panel[], subtitle = ""): string {
  if (panels.length === 0) throw new Error("renderChart: at least one panel is required");
  const subLines = wrap(subtitle, 140);
  const head = 36 + 14 * Math.max(1, subLines.length);
  const height = head + panels.length * PANEL_H;
  const body = panels.map((p, i) => renderPanel(p, head + i * PANEL_H)).join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${PANEL_W}" height="${height}" viewBox="0 0 ${PANEL_W} ${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${M.left}" y="24" font-size="18" font-weight="bold">${escapeXml(title)}</text>
${subLines.map((l, i) => `<text x="${M.left}" y="${42 + 14 * i}" font-size="11" fill="#555">${escapeXml(l)}</text>`).join("\n")}
${body}
</svg>
`;
}

/** Greedy word wrap at `width` characters. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (cur && cur.length + 1 + word.length > width) { lines.push(cur); cur = word; }
    else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) lines.push(cur);
  return lines;
}
