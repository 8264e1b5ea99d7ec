/** One line of a chart. */
export interface Series {
  name: string;
  color: string;
  points: ReadonlyArray<{ step: number; value: number }>;
  /** Draw it dashed (a reference line). Default false. */
  dashed?: boolean;
}

/** What {@link lineChart} draws. */
export interface ChartSpec {
  title: string;
  series: readonly Series[];
  /** The x axis runs from 0 to this many steps. */
  steps: number;
  /** The y range; default: 0 to the largest value, rounded up. */
  yMin?: number;
  yMax?: number;
  /** Format of y tick labels. Default: two significant digits. */
  formatY?: (value: number) => string;
}

const WIDTH = 440;
const HEIGHT = 270;
const MARGIN = { left: 46, right: 14, top: 30, bottom: 58 };

/**
 * The SVG markup of a line chart with axes, ticks and a legend. Returned as a string so the page
 * can redraw a chart in one assignment while training runs.
 */
export function lineChart(spec: ChartSpec): string {
  const values = spec.series.flatMap((s) => s.points.map((p) => p.value)).filter(Number.isFinite);
  const yMin = spec.yMin ?? 0;
  const yMax = spec.yMax ?? niceCeiling(Math.max(yMin + 1e-9, ...values));
  const steps = Math.max(1, spec.steps);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (step: number) => MARGIN.left + (Math.min(step, steps) / steps) * plotW;
  const y = (value: number) => MARGIN.top + (1 - (Math.min(Math.max(value, yMin), yMax) - yMin) / (yMax - yMin)) * plotH;
  const formatY = spec.formatY ?? ((v: number) => String(Number(v.toPrecision(2))));
  const parts: string[] = [];
  parts.push(`<text x="${MARGIN.left}" y="18" class="chart-title">${escape(spec.title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const value = yMin + ((yMax - yMin) * i) / 4;
    const py = y(value).toFixed(1);
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${py}" y2="${py}" class="grid"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${py}" class="tick" text-anchor="end" dominant-baseline="middle">${escape(formatY(value))}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const step = Math.round((steps * i) / 4);
    parts.push(`<text x="${x(step).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" class="tick" text-anchor="middle">${step}</text>`);
  }
  parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - MARGIN.bottom + 30}" class="axis-label" text-anchor="middle">step</text>`);
  parts.push(`<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" class="frame"/>`);
  let legendX = MARGIN.left + 4;
  for (const s of spec.series) {
    if (s.points.length > 0) {
      const d = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    }
    parts.push(`<line x1="${legendX}" x2="${legendX + 16}" y1="${HEIGHT - 8}" y2="${HEIGHT - 8}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
    parts.push(`<text x="${legendX + 20}" y="${HEIGHT - 8}" class="legend" dominant-baseline="middle">${escape(s.name)}</text>`);
    legendX += 28 + s.name.length * 6.6;
  }
  return `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escape(spec.title)}">${parts.join('')}</svg>`;
}

/** The smallest of 1, 2, 4 or 8 times a power of ten that is >= value: its quarters read well. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 4, 8, 10].map((m) => m * power).find((v) => v >= value)!;
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
