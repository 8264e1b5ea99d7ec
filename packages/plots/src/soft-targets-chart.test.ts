import { softTargetsSvg } from '@kd/plots';
import { describe, expect, it } from 'vitest';
import { countMarks, wellFormedElements } from '../../../test/well-formed-xml';

const logits = [8, 2, 0, -1];

describe('softTargetsSvg', () => {
  it('draws one bar per class and temperature, with a legend entry per temperature', () => {
    const svg = softTargetsSvg({ logits, temperatures: [1, 4, 20], label: 0 });
    wellFormedElements(svg);
    expect(countMarks(svg, 'rect', 'bar')).toBe(12);
    for (const t of [1, 4, 20]) expect(svg).toContain(`>T = ${t}</text>`);
    expect(svg).toMatch(/class="axis-label y-label"[^>]*>probability</);
    expect(svg).toMatch(/class="axis-label x-label"[^>]*>class \(true class: 0\)</);
  });

  it('makes the wrong classes taller at higher temperature', () => {
    const svg = softTargetsSvg({ logits, temperatures: [1, 20] });
    const heights = [...svg.matchAll(/class="bar"[^>]* height="([^"]+)"/g)].map((m) => Number(m[1]));
    // Bars are in temperature order, then class order: [T=1: c0..c3, T=20: c0..c3].
    expect(heights[0]).toBeGreaterThan(heights[4]!);
    expect(heights[5]).toBeGreaterThan(heights[1]!);
  });

  it('escapes class names and checks its arguments', () => {
    const svg = softTargetsSvg({ logits: [1, 0], temperatures: [2], classNames: ['"x"', '&'] });
    wellFormedElements(svg);
    expect(svg).toContain('&quot;x&quot;');
    expect(() => softTargetsSvg({ logits, temperatures: [] })).toThrow(/'temperatures' passed to 'softTargetsSvg'/);
    expect(() => softTargetsSvg({ logits, temperatures: [1], classNames: ['a'] })).toThrow(/must name 4 classes, got 1/);
  });
});
