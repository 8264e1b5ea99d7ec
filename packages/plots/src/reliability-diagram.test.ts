import { calibrationError, reliabilityBins, reliabilityDiagramSvg } from '@kd/cli';
import { describe, expect, it } from 'vitest';
import { countMarks, wellFormedElements } from './testing/well-formed-xml';

const probabilities = [
  [0.95, 0.05], // confident, right
  [0.9, 0.1], // confident, wrong
  [0.35, 0.65], // 0.65, right
  [0.55, 0.45], // 0.55, wrong
  [0.5, 0.5], // 0.5, ties go to class 0: right
];
const labels = [0, 1, 1, 1, 0];

describe('reliabilityBins', () => {
  it('bins examples by top-1 probability and measures accuracy and confidence', () => {
    const bins = reliabilityBins(probabilities, labels, 10);
    expect(bins).toHaveLength(10);
    expect(bins.map((b) => b.count)).toEqual([0, 0, 0, 0, 0, 2, 1, 0, 0, 2]);
    expect(bins[9]).toMatchObject({ lower: 0.9, upper: 1, count: 2, accuracy: 0.5 });
    expect(bins[9]!.confidence).toBeCloseTo(0.925, 12);
    expect(bins[5]!.accuracy).toBeCloseTo(0.5, 12);
    expect(bins[5]!.confidence).toBeCloseTo(0.525, 12);
  });

  it('puts a confidence of exactly 1 in the last bin', () => {
    expect(reliabilityBins([[1, 0]], [0], 4).map((b) => b.count)).toEqual([0, 0, 0, 1]);
  });

  it('gives the ECE as |accuracy - confidence| weighted by bin share', () => {
    const bins = reliabilityBins(probabilities, labels, 10);
    const expected = (2 * Math.abs(0.5 - 0.525) + 1 * Math.abs(1 - 0.65) + 2 * Math.abs(0.5 - 0.925)) / 5;
    expect(calibrationError(bins)).toBeCloseTo(expected, 12);
    expect(calibrationError(reliabilityBins([], [], 10))).toBe(0);
  });

  it('names the argument on bad input', () => {
    expect(() => reliabilityBins(probabilities, [0], 10)).toThrow(/'labels' passed to 'reliabilityBins' must have one label per row of probabilities \(5\), got 1/);
    expect(() => reliabilityBins(probabilities, labels, 0)).toThrow(/'bins' .* integer >= 1, got 0/);
  });
});

describe('reliabilityDiagramSvg', () => {
  it('draws a bar and a gap box per non-empty bin, and the diagonal', () => {
    const svg = reliabilityDiagramSvg({ bins: reliabilityBins(probabilities, labels, 10) });
    wellFormedElements(svg);
    expect(countMarks(svg, 'rect', 'bar')).toBe(3);
    expect(countMarks(svg, 'rect', 'gap')).toBe(3);
    expect(countMarks(svg, 'line', 'confidence')).toBe(3);
    expect(countMarks(svg, 'line', 'diagonal')).toBe(1);
    expect(svg).toMatch(/class="axis-label x-label"[^>]*>confidence/);
    expect(svg).toMatch(/class="axis-label y-label"[^>]*>accuracy</);
    expect(svg).toMatch(/ECE 0\.2/);
  });

  it('draws taller bars for more accurate bins', () => {
    const bins = reliabilityBins([[0.15, 0.85], [0.95, 0.05], [0.9, 0.1]], [1, 0, 1], 10);
    const heights = [...reliabilityDiagramSvg({ bins }).matchAll(/class="bar"[^>]* height="([^"]+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(heights).toHaveLength(2);
    expect(heights[0]).toBeGreaterThan(heights[1]!);
  });

  it('escapes the title', () => {
    const svg = reliabilityDiagramSvg({ bins: [], title: 'student <T=20> & co' });
    wellFormedElements(svg);
    expect(svg).toContain('student &lt;T=20&gt; &amp; co');
  });
});
