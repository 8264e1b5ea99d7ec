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

  it('rounds an open y range up to 1, 2 or 5 times a power of ten', () => {
    const svg = lineChart({ title: 't', steps: 1, series: [{ name: 's', color: 'red', points: [{ step: 0, value: 3.1 }] }] });
    expect(svg).toContain('>5</text>');
  });
});
