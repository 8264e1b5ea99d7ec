import { describe, expect, it } from 'vitest';
import { lineChart } from './line-chart';

describe('lineChart', () => {
  it('draws one path per series with points, a legend entry per series, and escapes text', () => {
    const svg = lineChart({
      title: 'a < b & "c"',
      steps: 10,
      yMin: 0,
      yMax: 1,
      series: [
        { name: 'one', color: 'red', points: [{ step: 0, value: 0 }, { step: 10, value: 1 }] },
        { name: 'two', color: 'blue', points: [], dashed: true },
      ],
    });
    expect(svg.match(/<path /g)).toHaveLength(1);
    expect(svg).toContain('>one</text>');
    expect(svg).toContain('>two</text>');
    expect(svg).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(svg).not.toContain('a < b');
  });

  it('maps step 0 and the last step to the plot edges and clamps values to the y range', () => {
    const svg = lineChart({ title: 't', steps: 4, yMin: 0, yMax: 1, series: [{ name: 's', color: 'red', points: [{ step: 0, value: -5 }, { step: 4, value: 9 }] }] });
    // Plot area: x from 46 to 426, y from 30 (top, value 1) to 212 (bottom, value 0).
    expect(svg).toContain('d="M46.0,212.0L426.0,30.0"');
  });

  it.each([
    [3.1, ['0', '1', '2', '3', '4']],
    [0.7, ['0', '0.2', '0.4', '0.6', '0.8']],
    [12, ['0', '5', '10', '15', '20']],
  ])('rounds an open y range up so that its quarters read well (max %d)', (max, ticks) => {
    const svg = lineChart({ title: 't', steps: 1, series: [{ name: 's', color: 'red', points: [{ step: 0, value: max }] }] });
    const labels = [...svg.matchAll(/text-anchor="end" dominant-baseline="middle">([^<]*)</g)].map((m) => m[1]);
    expect(labels).toEqual(ticks);
  });
});
