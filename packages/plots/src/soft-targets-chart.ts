import { softmax } from '@kd/core';
import { axes, escapeXml, formatValue, frame, legend, linearScale, palette, px, svgStart } from './svg';

export interface SoftTargetsOptions {
  /** The teacher's logits for one example. */
  logits: readonly number[];
  /** Temperatures to compare, e.g. [1, 4, 20]. */
  temperatures: readonly number[];
  /** Default: the class ids. */
  classNames?: readonly string[];
  /** The example's true class id, marked on the axis. Default: none. */
  label?: number;
  /** Default 'Soft targets of one example'. */
  title?: string;
  /** Default 640. */
  width?: number;
  /** Default 320; long class names take some of it. */
  height?: number;
}

/**
 * One example's soft targets, `softmax(logits / T)`, at several temperatures as grouped bars:
 * one group per class, one `rect.bar` per temperature. Higher temperatures lift the small
 * probabilities that carry the teacher's ranking of the wrong classes ("dark knowledge").
 */
export function softTargetsSvg(options: SoftTargetsOptions): string {
  const { logits, temperatures, label, title = 'Soft targets of one example', width = 640, height = 320 } = options;
  const names = options.classNames ?? logits.map((_, i) => String(i));
  if (names.length !== logits.length) {
    throw new Error(
      `Argument 'classNames' passed to 'softTargetsSvg' must name ${logits.length} classes, got ${names.length}`,
    );
  }
  if (temperatures.length === 0) {
    throw new Error("Argument 'temperatures' passed to 'softTargetsSvg' must list at least one temperature, got none");
  }
  const distributions = temperatures.map((temperature) => Array.from(softmax(logits, { temperature })));
  // Names wider than their group are slanted, and the plot gives up height for them.
  const longest = Math.max(...names.map((name) => name.length));
  const slant = longest * 7 > (width - 80) / logits.length;
  const f = frame(width, height, { left: 64, right: 16, top: 40, bottom: 52 + (slant ? Math.round(longest * 4.5) : 0) });
  const y = linearScale(0, 1, f.bottom, f.top);
  const groupWidth = (f.right - f.left) / logits.length;
  const barWidth = (groupWidth * 0.8) / temperatures.length;
  const parts = [
    svgStart(f, title, 'soft-targets'),
    axes(
      f,
      { ticks: [], scale: (v) => v, label: label === undefined ? 'class' : `class (true class: ${names[label] ?? label})` },
      { ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], scale: y, label: 'probability' },
    ),
  ];
  distributions.forEach((probabilities, k) => {
    const color = palette[k % palette.length]!;
    probabilities.forEach((p, c) => {
      const x = f.left + c * groupWidth + groupWidth * 0.1 + k * barWidth;
      parts.push(
        `<rect class="bar" x="${px(x)}" y="${px(y(p))}" width="${px(barWidth)}" height="${px(f.bottom - y(p))}" fill="${color}"><title>${escapeXml(`class ${names[c]}, T = ${temperatures[k]}: ${formatValue(p)}`)}</title></rect>`,
      );
    });
  });
  names.forEach((name, c) => {
    const weight = c === label ? ' font-weight="700"' : '';
    const x = px(f.left + (c + 0.5) * groupWidth);
    const place = slant
      ? `text-anchor="end" transform="rotate(-35 ${x} ${f.bottom + 12})"`
      : 'text-anchor="middle"';
    parts.push(
      `<text class="class-name" x="${x}" y="${f.bottom + 12}" dominant-baseline="middle" ${place}${weight}>${escapeXml(name)}</text>`,
    );
  });
  parts.push(legend(f, temperatures.map((t, k) => ({ name: `T = ${t}`, color: palette[k % palette.length]! }))), '</svg>');
  return parts.join('');
}
