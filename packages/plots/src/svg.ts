/**
 * Shared pieces of the report's plots: escaping, scales, ticks, axes. Every plot is a pure
 * function from data to an SVG string, so the same input always gives the same bytes.
 */

/** Colours that stay distinct for the common forms of colour blindness (Okabe & Ito). */
export const palette = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];

/** Text made safe inside SVG/HTML elements and double-quoted attributes. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A coordinate rounded to 0.01 px: enough for the eye, and keeps the SVG small and stable. */
export function px(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** A number shown on an axis or in a cell: integers as they are, others to 4 significant digits. */
export function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/** Maps `[d0, d1]` onto `[r0, r1]` linearly. */
export function linearScale(d0: number, d1: number, r0: number, r1: number): (value: number) => number {
  const span = d1 - d0 || 1;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/**
 * About `count` round tick values (steps of 1, 2 or 5 times a power of ten) covering `[min, max]`;
 * the first tick is <= min and the last >= max, so data never leaves the axis. With `integer`,
 * steps are at least 1 (epochs are never 2.5).
 */
export function niceTicks(min: number, max: number, count = 5, integer = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (min === max) {
    const pad = integer ? 1 : Math.abs(min) / 10 || 1;
    return niceTicks(min - pad, max + pad, count, integer);
  }
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const nice = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const step = integer ? Math.max(1, nice) : nice;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  const first = Math.floor(min / step);
  const last = Math.ceil(max / step);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toFixed(decimals)));
  return ticks;
}

/** The plot area inside an SVG of `width` x `height`, leaving room for title, axes and labels. */
export interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export function frame(width: number, height: number, margins = { left: 64, right: 16, top: 40, bottom: 52 }): Frame {
  return {
    width,
    height,
    left: margins.left,
    right: width - margins.right,
    top: margins.top,
    bottom: height - margins.bottom,
  };
}

/** The opening `<svg>` tag with an accessible title, and the visible title text. */
export function svgStart(f: Frame, title: string, className: string): string {
  const t = escapeXml(title);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="${className}" width="${f.width}" height="${f.height}" ` +
    `viewBox="0 0 ${f.width} ${f.height}" role="img" font-family="system-ui, sans-serif" font-size="12">` +
    `<title>${t}</title>` +
    `<text class="chart-title" x="${px(f.width / 2)}" y="20" text-anchor="middle" font-size="14" font-weight="600">${t}</text>`
  );
}

/** Axis lines, ticks with labels, and the two axis titles. */
export function axes(
  f: Frame,
  x: { ticks: readonly number[]; scale: (v: number) => number; label: string },
  y: { ticks: readonly number[]; scale: (v: number) => number; label: string },
): string {
  const parts = [
    `<g class="axes" stroke="#444" fill="none">`,
    `<line x1="${f.left}" y1="${f.bottom}" x2="${f.right}" y2="${f.bottom}"/>`,
    `<line x1="${f.left}" y1="${f.top}" x2="${f.left}" y2="${f.bottom}"/>`,
    `</g><g class="ticks" fill="#444">`,
  ];
  for (const tick of x.ticks) {
    const at = px(x.scale(tick));
    parts.push(
      `<line x1="${at}" y1="${f.bottom}" x2="${at}" y2="${f.bottom + 5}" stroke="#444"/>`,
      `<text x="${at}" y="${f.bottom + 18}" text-anchor="middle">${escapeXml(formatValue(tick))}</text>`,
    );
  }
  for (const tick of y.ticks) {
    const at = px(y.scale(tick));
    parts.push(
      `<line x1="${f.left - 5}" y1="${at}" x2="${f.left}" y2="${at}" stroke="#444"/>`,
      `<line x1="${f.left}" y1="${at}" x2="${f.right}" y2="${at}" stroke="#ddd"/>`,
      `<text x="${f.left - 8}" y="${at}" text-anchor="end" dominant-baseline="middle">${escapeXml(formatValue(tick))}</text>`,
    );
  }
  const midX = px((f.left + f.right) / 2);
  const midY = px((f.top + f.bottom) / 2);
  parts.push(
    `</g>`,
    `<text class="axis-label x-label" x="${midX}" y="${f.height - 12}" text-anchor="middle">${escapeXml(x.label)}</text>`,
    `<text class="axis-label y-label" x="16" y="${midY}" text-anchor="middle" transform="rotate(-90 16 ${midY})">${escapeXml(y.label)}</text>`,
  );
  return parts.join('');
}

/** A legend of coloured swatches in the top-right corner of the plot area. */
export function legend(f: Frame, entries: ReadonlyArray<{ name: string; color: string; dashed?: boolean }>): string {
  const longest = Math.max(0, ...entries.map((entry) => entry.name.length));
  const width = 34 + longest * 7;
  const x = f.right - width - 8;
  const rows = entries.map((entry, i) => {
    const y = f.top + 14 + i * 18;
    const dash = entry.dashed ? ' stroke-dasharray="5 3"' : '';
    return (
      `<line x1="${px(x + 8)}" y1="${y}" x2="${px(x + 26)}" y2="${y}" stroke="${entry.color}" stroke-width="3"${dash}/>` +
      `<text x="${px(x + 32)}" y="${y}" dominant-baseline="middle">${escapeXml(entry.name)}</text>`
    );
  });
  return (
    `<g class="legend"><rect x="${px(x)}" y="${f.top + 2}" width="${px(width)}" height="${entries.length * 18 + 6}" ` +
    `fill="#fff" fill-opacity="0.85" stroke="#ccc"/>${rows.join('')}</g>`
  );
}
