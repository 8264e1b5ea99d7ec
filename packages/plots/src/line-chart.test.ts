import { lineChartSvg, niceTicks } from '@kd/plots';
import { describe, expect, it } from 'vitest';
import { countMarks, wellFormedElements } from '../../../test/well-formed-xml';

const curves = {
  title: 'Learning curves',
  xLabel: 'epoch',
  yLabel: 'loss',
  series: [
    { name: 'soft', points: [[1, 2.5], [2, 1.2], [3, 0.8]] as Array<[number, number]> },
    { name: 'hard', points: [[1, 1.1], [2, 0.6], [3, 0.4]] as Array<[number, number]> },
    { name: 'validation', points: [[1, 1.0], [2, 0.7], [3, 0.65]] as Array<[number, number]>, dashed: true },
  ],
};

describe('lineChartSvg', () => {
  it('is well-formed SVG with one path per series and one dot per point', () => {
    const svg = lineChartSvg(curves);
    const elements = wellFormedElements(svg);
    expect(elements[0]).toBe('svg');
    expect(countMarks(svg, 'path', 'series')).toBe(3);
    expect(elements.filter((name) => name === 'circle')).toHaveLength(9);
    expect(svg).toMatch(/stroke-dasharray="6 4"/);
  });

  it('labels both axes, titles the chart and names every series in the legend', () => {
    const svg = lineChartSvg(curves);
    expect(svg).toMatch(/class="axis-label x-label"[^>]*>epoch</);
    expect(svg).toMatch(/class="axis-label y-label"[^>]*>loss</);
    expect(svg).toContain('<title>Learning curves</title>');
    for (const name of ['soft', 'hard', 'validation']) expect(svg).toMatch(new RegExp(`>${name}</text>`));
  });

  it('puts larger values higher (SVG y grows downwards)', () => {
    const svg = lineChartSvg({ ...curves, series: [curves.series[0]!] });
    const ys = [...svg.matchAll(/<circle cx="[^"]+" cy="([^"]+)"/g)].map((m) => Number(m[1]));
    expect(ys[0]).toBeLessThan(ys[1]!);
    expect(ys[1]).toBeLessThan(ys[2]!);
  });

  it('escapes text', () => {
    const svg = lineChartSvg({ ...curves, title: 'a < b & "c"', series: [{ name: '<script>', points: [[0, 1]] }] });
    wellFormedElements(svg);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('a &lt; b &amp; &quot;c&quot;');
  });

  it('breaks the line at non-finite values and says so when there is no data', () => {
    const svg = lineChartSvg({ ...curves, series: [{ name: 's', points: [[1, 1], [2, Number.NaN], [3, 2]] }] });
    const d = /class="series"[^>]* d="([^"]+)"/.exec(svg)![1]!;
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d).not.toContain('L');
    const empty = lineChartSvg({ ...curves, series: [{ name: 's', points: [] }] });
    wellFormedElements(empty);
    expect(empty).toContain('no data');
  });
});

describe('niceTicks', () => {
  it.each([
    [0, 1, 5, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0.13, 0.92, 5, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [1, 3, 8, [1, 2, 3]],
    [3, 3, 5, [2, 3, 4]],
  ])('covers [%d, %d] with about %d round ticks', (min, max, count, expected) => {
    expect(niceTicks(min, max, count, Number.isInteger(min) && Number.isInteger(max) && min >= 1)).toEqual(expected);
  });
});
