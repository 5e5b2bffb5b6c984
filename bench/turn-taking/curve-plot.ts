import sharp from 'sharp';

export interface PlotSeries {
  name: string;
  /** Drawn joined in this order; `label` is written beside the point (its threshold). */
  points: Array<{ x: number; y: number; label: string }>;
}

export interface PlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
}

/** Distinct on white and for the common colour blindnesses (Okabe and Ito). */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
const MARGIN = { left: 80, right: 230, top: 50, bottom: 60 };

/** Series as a line chart, PNG, drawn by sharp from SVG. */
export async function plotCurves(series: readonly PlotSeries[], options: PlotOptions): Promise<Buffer> {
  return sharp(Buffer.from(curveSvg(series, options))).png().toBuffer();
}

export function curveSvg(series: readonly PlotSeries[], options: PlotOptions): string {
  const width = options.width ?? 960;
  const height = options.height ?? 600;
  const points = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xTicks = niceTicks(Math.min(...points.map((p) => p.x), 0), Math.max(...points.map((p) => p.x), 1));
  const yTicks = niceTicks(0, Math.max(...points.map((p) => p.y), 1));
  const [x0, x1, y0, y1] = [xTicks[0]!, xTicks.at(-1)!, yTicks[0]!, yTicks.at(-1)!];
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => MARGIN.left + ((x - x0) / (x1 - x0)) * plotW;
  const py = (y: number) => MARGIN.top + plotH - ((y - y0) / (y1 - y0)) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="28" text-anchor="middle" font-size="16">${escapeXml(options.title)}</text>`,
  ];
  for (const x of xTicks) {
    out.push(`<line x1="${px(x)}" y1="${MARGIN.top}" x2="${px(x)}" y2="${MARGIN.top + plotH}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${px(x)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${x}</text>`);
  }
  for (const y of yTicks) {
    out.push(`<line x1="${MARGIN.left}" y1="${py(y)}" x2="${MARGIN.left + plotW}" y2="${py(y)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${py(y) + 4}" text-anchor="end">${y}</text>`);
  }
  out.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#000000"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${height - 15}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`,
    `<text transform="translate(20 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const drawn = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    out.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${drawn.map((p) => `${px(p.x)},${py(p.y)}`).join(' ')}"/>`);
    for (const p of drawn) {
      out.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="4" fill="${colour}"/>`);
      out.push(`<text x="${px(p.x) + 6}" y="${py(p.y) - 6}" font-size="10" fill="${colour}">${escapeXml(p.label)}</text>`);
    }
    const ly = MARGIN.top + 10 + i * 20;
    const lx = MARGIN.left + plotW + 16;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`);
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Round tick values from `lo` to at least `hi`, about six of them, on steps of 1, 2 or 5 x 10^k. */
export function niceTicks(lo: number, hi: number): number[] {
  const span = hi > lo ? hi - lo : 1;
  const raw = span / 6;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const ticks: number[] = [];
  // Rounding to the step's decimals keeps 0.1 + 0.2 from printing as 0.30000000000000004.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  for (let v = Math.floor(lo / step) * step; v < hi + step; v += step) {
    ticks.push(+v.toFixed(decimals));
    if (v >= hi) break;
  }
  return ticks;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
