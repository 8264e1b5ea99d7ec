import { softmaxAt, softTargetsSvg } from '@kd/cli';
import { describe, expect, it } from 'vitest';
import { countMarks, wellFormedElements } from './testing/well-formed-xml';

const logits = [8, 2, 0, -1];

describe('softmaxAt', () => {
  it('matches exp(z/T) / sum exp(z/T) and stays finite for large logits', () => {
    const e = logits.map((z) => Math.exp(z / 4));
    const sum = e.reduce((a, b) => a + b, 0);
    softmaxAt(logits, 4).forEach((p, i) => expect(p).toBeCloseTo(e[i]! / sum, 12));
    expect(softmaxAt([1e4, -1e4], 1)).toEqual([1, 0]);
  });

  it('rejects a bad temperature or logits', () => {
    expect(() => softmaxAt(logits, 0)).toThrow(/'temperature' passed to 'softmaxAt' must be a finite number > 0, got 0/);
    expect(() => softmaxAt([], 1)).toThrow(/'logits' passed to 'softmaxAt'/);
  });
});

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
