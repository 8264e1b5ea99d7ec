import { createRng } from '@kd/core';
import { horizontalFlip, jitter, randomCrop } from '@kd/data';
import type { Augmentation, AugmentationParams } from '@kd/data';
import { describe, expect, it } from 'vitest';

// A 3x3 single-channel image with values 1..9, row by row.
const image = Float32Array.from({ length: 9 }, (_, i) => i + 1);
const shape3x3 = [3, 3, 1] as const;

function run(aug: Augmentation, params: AugmentationParams, input = image, shape: readonly [number, number, number] = shape3x3) {
  const out = new Float32Array(input.length).fill(-1);
  aug.apply(input, out, shape, params);
  return Array.from(out);
}

describe('jitter', () => {
  it.each([
    [{ dx: 0, dy: 0 }, [1, 2, 3, 4, 5, 6, 7, 8, 9]],
    [{ dx: 1, dy: 0 }, [0, 1, 2, 0, 4, 5, 0, 7, 8]],
    [{ dx: -1, dy: 0 }, [2, 3, 0, 5, 6, 0, 8, 9, 0]],
    [{ dx: 0, dy: 1 }, [0, 0, 0, 1, 2, 3, 4, 5, 6]],
    [{ dx: -2, dy: -1 }, [6, 0, 0, 9, 0, 0, 0, 0, 0]],
    [{ dx: 3, dy: 0 }, [0, 0, 0, 0, 0, 0, 0, 0, 0]],
  ])('shifts by %o', (params, expected) => {
    expect(run(jitter({ maxShift: 3 }), params)).toEqual(expected);
  });

  it('draws every shift in [-maxShift, maxShift] and reports it', () => {
    const aug = jitter({ maxShift: 2 });
    const rng = createRng(1);
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const { dx, dy } = aug.sample(rng, shape3x3) as { dx: number; dy: number };
      expect(Math.abs(dx) <= 2 && Math.abs(dy) <= 2).toBe(true);
      seen.add(`${dx},${dy}`);
    }
    expect(seen.size).toBe(25);
    expect(aug.variants!(shape3x3).map(({ dx, dy }) => `${dx},${dy}`).toSorted()).toEqual([...seen].toSorted());
    expect(aug.paramNames).toEqual(['dx', 'dy']);
    expect(aug.options).toEqual({ maxShift: 2 });
  });

  it('moves whole pixels of multi-channel images', () => {
    const rgb = Float32Array.from({ length: 2 * 2 * 3 }, (_, i) => i + 1);
    expect(run(jitter({ maxShift: 1 }), { dx: 1, dy: 0 }, rgb, [2, 2, 3])).toEqual([0, 0, 0, 1, 2, 3, 0, 0, 0, 7, 8, 9]);
  });

  it('rejects a bad maxShift', () => {
    expect(() => jitter({ maxShift: -1 })).toThrow(/'maxShift' passed to 'jitter' must be an integer >= 0, got -1/);
    expect(() => jitter({} as never)).toThrow(/got undefined/);
  });
});

describe('randomCrop', () => {
  it('crops a zero-padded image: the centre window is the image itself', () => {
    const aug = randomCrop({ padding: 1 });
    expect(run(aug, { cropX: 1, cropY: 1 })).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Window at the padded image's top-left corner: content moves right and down.
    expect(run(aug, { cropX: 0, cropY: 0 })).toEqual([0, 0, 0, 0, 1, 2, 0, 4, 5]);
    expect(run(aug, { cropX: 2, cropY: 1 })).toEqual([2, 3, 0, 5, 6, 0, 8, 9, 0]);
  });

  it('draws offsets in [0, 2 * padding]', () => {
    const aug = randomCrop({ padding: 4 });
    const rng = createRng(2);
    const xs = new Set<number>();
    for (let i = 0; i < 400; i++) xs.add((aug.sample(rng, [32, 32, 3]) as { cropX: number }).cropX);
    expect([...xs].toSorted((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(randomCrop({ padding: 1 }).variants!([3, 3, 1]).map(({ cropX, cropY }) => `${cropX},${cropY}`)).toEqual(['0,0', '0,1', '0,2', '1,0', '1,1', '1,2', '2,0', '2,1', '2,2']);
    expect(() => randomCrop({ padding: 1.5 })).toThrow(/'padding' passed to 'randomCrop' must be an integer >= 0, got 1.5/);
  });
});

describe('horizontalFlip', () => {
  it('mirrors rows and keeps each pixel\'s channels in order', () => {
    const aug = horizontalFlip();
    expect(run(aug, { flip: 1 })).toEqual([3, 2, 1, 6, 5, 4, 9, 8, 7]);
    expect(run(aug, { flip: 0 })).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const rgb = Float32Array.from({ length: 1 * 2 * 3 }, (_, i) => i + 1);
    expect(run(aug, { flip: 1 }, rgb, [1, 2, 3])).toEqual([4, 5, 6, 1, 2, 3]);
  });

  it('flips with the given probability', () => {
    const rng = createRng(3);
    const half = horizontalFlip();
    let flips = 0;
    for (let i = 0; i < 2000; i++) flips += (half.sample(rng, shape3x3) as { flip: number }).flip;
    expect(flips).toBeGreaterThan(900);
    expect(flips).toBeLessThan(1100);
    expect(horizontalFlip({ probability: 0 }).sample(rng, shape3x3)).toEqual({ flip: 0 });
    expect(horizontalFlip({ probability: 1 }).sample(rng, shape3x3)).toEqual({ flip: 1 });
    expect(half.variants!(shape3x3)).toEqual([{ flip: 0 }, { flip: 1 }]);
    expect(horizontalFlip({ probability: 0 }).variants!(shape3x3)).toEqual([{ flip: 0 }]);
    expect(horizontalFlip({ probability: 1 }).variants!(shape3x3)).toEqual([{ flip: 1 }]);
    expect(() => horizontalFlip({ probability: 2 })).toThrow(/'probability' passed to 'horizontalFlip' must be a number in \[0, 1\], got 2/);
  });
});
