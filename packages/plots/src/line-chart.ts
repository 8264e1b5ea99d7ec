import { axes, escapeXml, frame, legend, linearScale, niceTicks, palette, px, svgStart } from './svg';

/** One line of a line chart: `[x, y]` points in order of x; non-finite y values break the line. */
export interface LineSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  /** Draw dashed, e.g. for validation curves beside training ones. Default false. */
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** Default 640. */
  width?: number;
  /** Default 360. */
  height?: number;
}

/**
 * A line chart as an SVG string: one `path.series` per series (learning curves: soft, hard and
 * total loss per epoch, validation loss dashed), a dot per point, axes with round ticks, axis
 * labels and a legend. Every label is escaped.
 */
export function lineChartSvg(options: LineChartOptions): string {
  const { title, xLabel, yLabel, series, width = 640, height = 360 } = options;
  const f = frame(width, height);
  const finite = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const parts = [svgStart(f, title, 'line-chart')];
  if (finite.length === 0) {
    parts.push(
      `<text class="no-data" x="${px(width / 2)}" y="${px(height / 2)}" text-anchor="middle">no data</text></svg>`,
    );
    return parts.join('');
  }
  const xs = finite.map(([x]) => x);
  const ys = finite.map(([, y]) => y);
  const xTicks = niceTicks(Math.min(...xs), Math.max(...xs), 8, xs.every(Number.isInteger));
  const yTicks = niceTicks(Math.min(...ys), Math.max(...ys), 5);
  const x = linearScale(xTicks[0]!, xTicks.at(-1)!, f.left, f.right);
  const y = linearScale(yTicks[0]!, yTicks.at(-1)!, f.bottom, f.top);
  parts.push(axes(f, { ticks: xTicks, scale: x, label: xLabel }, { ticks: yTicks, scale: y, label: yLabel }));
  series.forEach((s, i) => {
    const color = palette[i % palette.length]!;
    let d = '';
    let pen = 'M';
    const dots: string[] = [];
    for (const [valueX, valueY] of s.points) {
      if (!Number.isFinite(valueX) || !Number.isFinite(valueY)) {
        pen = 'M';
        continue;
      }
      const cx = px(x(valueX));
      const cy = px(y(valueY));
      d += `${pen}${cx},${cy}`;
      pen = 'L';
      dots.push(`<circle cx="${cx}" cy="${cy}" r="2.5"/>`);
    }
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(
      `<g class="series-group" fill="${color}">`,
      `<path class="series" data-series="${escapeXml(s.name)}" d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`,
      dots.join(''),
      `</g>`,
    );
  });
  parts.push(
    legend(
      f,
      series.map((s, i) => ({ name: s.name, color: palette[i % palette.length]!, ...(s.dashed ? { dashed: true } : {}) })),
    ),
    '</svg>',
  );
  return parts.join('');
}
