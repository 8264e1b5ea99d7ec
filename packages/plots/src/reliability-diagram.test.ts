import { calibrationBins } from '@kd/core';
import { reliabilityDiagramSvg } from '@kd/plots';
import { describe, expect, it } from 'vitest';
import { countMarks, wellFormedElements } from '../../../test/well-formed-xml';
import { labels, probabilities } from '../../../test/calibration-examples';


describe('reliabilityDiagramSvg', () => {
  it('draws a bar and a gap box per non-empty bin, and the diagonal', () => {
    const svg = reliabilityDiagramSvg({ bins: calibrationBins({ probabilities: probabilities, labels: labels, bins: 10 }) });
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
    const bins = calibrationBins({ probabilities: [[0.15, 0.85], [0.95, 0.05], [0.9, 0.1]], labels: [1, 0, 1], bins: 10 });
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
