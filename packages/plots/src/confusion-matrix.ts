import { escapeXml, frame, px, svgStart } from './svg';

export interface ConfusionMatrixOptions {
  /** `matrix[trueClass][predictedClass]` = number of examples. */
  matrix: ReadonlyArray<readonly number[]>;
  /** Default: the class ids. */
  classNames?: readonly string[];
  /** Default 'Confusion matrix'. */
  title?: string;
  /** Size of one cell in px. Default: fits 440 px, between 14 and 48. */
  cellSize?: number;
}

/**
 * A confusion-matrix heat map as an SVG string: one `rect.cell` per (true, predicted) pair,
 * shaded by its share of the true class's examples (so rare classes are as readable as common
 * ones), with the count written in each cell, true classes as rows.
 */
export function confusionMatrixSvg(options: ConfusionMatrixOptions): string {
  const { matrix, title = 'Confusion matrix' } = options;
  const n = matrix.length;
  if (n === 0 || matrix.some((row) => row.length !== n)) {
    throw new Error(
      `Argument 'matrix' passed to 'confusionMatrixSvg' must be square and non-empty, got ${n} rows of lengths [${matrix.map((row) => row.length).join(', ')}]`,
    );
  }
  const names = options.classNames ?? matrix.map((_, i) => String(i));
  if (names.length !== n) {
    throw new Error(`Argument 'classNames' passed to 'confusionMatrixSvg' must name ${n} classes, got ${names.length}`);
  }
  const cell = options.cellSize ?? Math.max(14, Math.min(48, Math.floor(440 / n)));
  const labelSpace = 24 + 7 * Math.max(...names.map((name) => name.length));
  const f = frame(labelSpace + 40 + n * cell + 16, 40 + labelSpace + 20 + n * cell, {
    left: labelSpace + 40,
    right: 16,
    top: 40 + labelSpace - 10,
    bottom: 30,
  });
  const parts = [svgStart(f, title, 'confusion-matrix')];
  const fontSize = Math.max(8, Math.min(12, cell / 3));
  matrix.forEach((row, t) => {
    const rowTotal = row.reduce((a, b) => a + b, 0);
    row.forEach((count, p) => {
      const share = rowTotal ? count / rowTotal : 0;
      const cx = f.left + p * cell;
      const cy = f.top + t * cell;
      const tip = `true ${names[t]}, predicted ${names[p]}: ${count}`;
      parts.push(
        `<rect class="cell" x="${px(cx)}" y="${px(cy)}" width="${cell}" height="${cell}" fill="${t === p ? '#0072b2' : '#d55e00'}" fill-opacity="${px(0.05 + 0.95 * share)}" stroke="#fff"><title>${escapeXml(tip)}</title></rect>`,
        `<text class="count" x="${px(cx + cell / 2)}" y="${px(cy + cell / 2)}" text-anchor="middle" dominant-baseline="middle" font-size="${px(fontSize)}" fill="${share > 0.5 ? '#fff' : '#222'}">${count}</text>`,
      );
    });
  });
  names.forEach((name, i) => {
    const at = f.top + i * cell + cell / 2;
    const across = f.left + i * cell + cell / 2;
    parts.push(
      `<text class="class-name" x="${px(f.left - 6)}" y="${px(at)}" text-anchor="end" dominant-baseline="middle">${escapeXml(name)}</text>`,
      `<text class="class-name" x="${px(across)}" y="${px(f.top - 6)}" text-anchor="start" transform="rotate(-60 ${px(across)} ${px(f.top - 6)})">${escapeXml(name)}</text>`,
    );
  });
  const midX = px(f.left + (n * cell) / 2);
  const midY = px(f.top + (n * cell) / 2);
  parts.push(
    `<text class="axis-label x-label" x="${midX}" y="${px(f.bottom + 20)}" text-anchor="middle">predicted class</text>`,
    `<text class="axis-label y-label" x="16" y="${midY}" text-anchor="middle" transform="rotate(-90 16 ${midY})">true class</text>`,
    '</svg>',
  );
  return parts.join('');
}
