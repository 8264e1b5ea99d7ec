import { confusionMatrixSvg } from '@kd/plots';
import { describe, expect, it } from 'vitest';
import { countMarks, wellFormedElements } from '../../../test/well-formed-xml';

const matrix = [
  [50, 2, 0],
  [3, 40, 7],
  [0, 1, 9],
];

describe('confusionMatrixSvg', () => {
  it('draws one cell with its count per (true, predicted) pair', () => {
    const svg = confusionMatrixSvg({ matrix });
    wellFormedElements(svg);
    expect(countMarks(svg, 'rect', 'cell')).toBe(9);
    const counts = [...svg.matchAll(/class="count"[^>]*>(\d+)</g)].map((m) => Number(m[1]));
    expect(counts).toEqual(matrix.flat());
  });

  it('shades by the share of the true class, so small classes read as clearly as large ones', () => {
    const svg = confusionMatrixSvg({ matrix });
    const opacity = [...svg.matchAll(/class="cell"[^>]* fill-opacity="([^"]+)"/g)].map((m) => Number(m[1]));
    expect(opacity[8]).toBeCloseTo(0.05 + 0.95 * 0.9, 1); // 9 of 10
    expect(opacity[4]).toBeCloseTo(0.05 + 0.95 * 0.8, 1); // 40 of 50
    expect(opacity[2]).toBeCloseTo(0.05, 2);
    expect(opacity[8]).toBeGreaterThan(opacity[4]!);
  });

  it('labels the axes and the classes, escaping names', () => {
    const svg = confusionMatrixSvg({ matrix, classNames: ['cat', 'dog', 'a<b'] });
    wellFormedElements(svg);
    expect(svg).toMatch(/class="axis-label x-label"[^>]*>predicted class</);
    expect(svg).toMatch(/class="axis-label y-label"[^>]*>true class</);
    expect(countMarks(svg, 'text', 'class-name')).toBe(6);
    expect(svg).toContain('a&lt;b');
  });

  it('rejects a matrix that is not square and the wrong number of names', () => {
    expect(() => confusionMatrixSvg({ matrix: [[1, 2]] })).toThrow(/'matrix' passed to 'confusionMatrixSvg' must be square/);
    expect(() => confusionMatrixSvg({ matrix, classNames: ['a'] })).toThrow(/must name 3 classes, got 1/);
  });
});
