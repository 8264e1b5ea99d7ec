import { calibrationError } from '@kd/core';
import type { CalibrationBin } from '@kd/core';
import { axes, escapeXml, formatValue, frame, linearScale, px, svgStart } from './svg';
import type { Frame } from './svg';

export interface ReliabilityDiagramOptions {
  /** From `calibrationBins` of `@kd/core`. */
  bins: readonly CalibrationBin[];
  /** Default 'Reliability diagram'; the ECE is appended. */
  title?: string;
  /** Height in px; the plot is about square, with the legend to its right. Default 360. */
  size?: number;
}

/**
 * A reliability diagram as an SVG string: for each non-empty bin a `rect.bar` up to its accuracy,
 * a `line.confidence` at its mean confidence and a `rect.gap` between the two (the
 * miscalibration), the diagonal of perfect calibration as `line.diagonal`, bin counts above the
 * bars, and the ECE in the title.
 */
export function reliabilityDiagramSvg(options: ReliabilityDiagramOptions): string {
  const { bins, title = 'Reliability diagram', size = 360 } = options;
  // The legend sits right of the plot, where it never hides a bar.
  const f = frame(size + legendWidth, size, { left: 64, right: 16 + legendWidth, top: 40, bottom: 52 });
  const x = linearScale(0, 1, f.left, f.right);
  const y = linearScale(0, 1, f.bottom, f.top);
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const fullTitle = `${title} (ECE ${formatValue(calibrationError(bins))})`;
  const parts = [
    svgStart(f, fullTitle, 'reliability-diagram'),
    axes(f, { ticks, scale: x, label: 'confidence (top-1 probability)' }, { ticks, scale: y, label: 'accuracy' }),
  ];
  for (const bin of bins) {
    if (bin.count === 0) continue;
    const left = x(bin.lower) + 1;
    const width = x(bin.upper) - x(bin.lower) - 2;
    const top = Math.min(bin.accuracy, bin.confidence);
    const bottom = Math.max(bin.accuracy, bin.confidence);
    const label = `${formatValue(bin.lower)}-${formatValue(bin.upper)}: ${bin.count} examples, accuracy ${formatValue(bin.accuracy)}, confidence ${formatValue(bin.confidence)}`;
    parts.push(
      `<rect class="bar" x="${px(left)}" y="${px(y(bin.accuracy))}" width="${px(width)}" height="${px(f.bottom - y(bin.accuracy))}" fill="#56b4e9"><title>${escapeXml(label)}</title></rect>`,
      `<rect class="gap" x="${px(left)}" y="${px(y(bottom))}" width="${px(width)}" height="${px(y(top) - y(bottom))}" fill="#e41a1c" fill-opacity="0.3" stroke="#e41a1c"/>`,
      `<line class="confidence" x1="${px(left)}" y1="${px(y(bin.confidence))}" x2="${px(left + width)}" y2="${px(y(bin.confidence))}" stroke="#000" stroke-width="2"/>`,
      `<text class="count" x="${px(left + width / 2)}" y="${px(y(bottom) - 4)}" text-anchor="middle" font-size="9" fill="#555">${bin.count}</text>`,
    );
  }
  parts.push(
    `<line class="diagonal" x1="${px(x(0))}" y1="${px(y(0))}" x2="${px(x(1))}" y2="${px(y(1))}" stroke="#444" stroke-dasharray="4 4"/>`,
    legendBox(f),
    '</svg>',
  );
  return parts.join('');
}

const legendWidth = 156;

function legendBox(f: Frame): string {
  const x = f.right + 8;
  const y = f.top;
  return (
    `<g class="legend"><rect x="${x}" y="${y}" width="140" height="58" fill="#fff" fill-opacity="0.85" stroke="#ccc"/>` +
    `<rect x="${x + 8}" y="${y + 8}" width="14" height="10" fill="#56b4e9"/><text x="${x + 28}" y="${y + 13}" dominant-baseline="middle">accuracy</text>` +
    `<line x1="${x + 8}" y1="${y + 29}" x2="${x + 22}" y2="${y + 29}" stroke="#000" stroke-width="2"/><text x="${x + 28}" y="${y + 29}" dominant-baseline="middle">mean confidence</text>` +
    `<rect x="${x + 8}" y="${y + 40}" width="14" height="10" fill="#e41a1c" fill-opacity="0.3" stroke="#e41a1c"/><text x="${x + 28}" y="${y + 45}" dominant-baseline="middle">gap</text></g>`
  );
}
