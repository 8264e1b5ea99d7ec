import { createRng, deriveSeed, restoreRng } from '@kd/core';
import type { RngState } from '@kd/core';
import { describe, expect, it } from 'vitest';

const draws = (seed: number, n: number) => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
};

describe('createRng', () => {
  it('matches the xoshiro128** reference outputs for state [1, 2, 3, 4]', () => {
    // The reference C implementation's first ten outputs from this state.
    const rng = restoreRng({ algorithm: 'xoshiro128**', words: [1, 2, 3, 4] });
    const outputs = Array.from({ length: 10 }, () => rng.int(2 ** 32));
    expect(outputs).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
  });

  it('repeats a sequence for a seed and differs between seeds', () => {
    expect(draws(42, 50)).toEqual(draws(42, 50));
    expect(draws(42, 50)).not.toEqual(draws(43, 50));
    expect(draws(0, 5)).not.toEqual(draws(2 ** 32, 5));
    expect(draws(-1, 5)).not.toEqual(draws(1, 5));
    expect(draws(Number.MAX_SAFE_INTEGER, 5)).toHaveLength(5);
  });

  it('gives next() in [0, 1) with mean 1/2 and normal() with mean 0 and variance 1', () => {
    const rng = createRng(7);
    const n = 20_000;
    let sum = 0;
    let outside = 0;
    let normalSum = 0;
    let normalSquares = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      const z = rng.normal();
      normalSum += z;
      normalSquares += z * z;
    }
    expect(outside).toBe(0);
    expect(sum / n).toBeCloseTo(0.5, 1);
    expect(normalSum / n).toBeCloseTo(0, 1);
    expect(normalSquares / n).toBeCloseTo(1, 1);
  });

  it('gives int(n) every value in [0, n) about equally often', () => {
    const rng = createRng(3);
    const counts = new Int32Array(7);
    for (let i = 0; i < 70_000; i++) counts[rng.int(7)]! += 1;
    // Binomial(70000, 1/7): sd ~ 93, so 500 is over 5 sd.
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    expect(createRng(1).int(1)).toBe(0);
  });

  it('permutes and shuffles', () => {
    const rng = createRng(11);
    const p = rng.permutation(100);
    expect([...p].toSorted((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...p]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    const array = ['a', 'b', 'c', 'd', 'e', 'f'];
    const same = rng.shuffle(array);
    expect(same).toBe(array);
    expect([...array].toSorted()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(rng.permutation(0)).toEqual(new Int32Array(0));
  });

  it('resumes bit-identically from a JSON round trip of its state', () => {
    const rng = createRng(5);
    for (let i = 0; i < 17; i++) rng.next();
    const saved = JSON.parse(JSON.stringify(rng.state())) as RngState;
    const expected = [rng.next(), rng.int(1000), rng.normal(), ...rng.permutation(10)];
    const resumed = restoreRng(saved);
    expect([resumed.next(), resumed.int(1000), resumed.normal(), ...resumed.permutation(10)]).toEqual(expected);
    const other = createRng(99);
    other.setState(saved);
    expect(other.next()).toBe(expected[0]);
  });

  it.each([1.5, Number.NaN, '1', 2 ** 60])('createRng rejects seed %s', (seed) => {
    expect(() => createRng(seed as number)).toThrow(/Argument 'seed' passed to 'createRng' must be a safe integer/);
  });

  it('rejects bad arguments and states', () => {
    const rng = createRng(1);
    expect(() => rng.int(0)).toThrow(/'n' passed to 'Rng.int' must be an integer in \[1, 4294967296\], got 0/);
    expect(() => rng.int(2.5)).toThrow(/got 2.5/);
    expect(() => rng.permutation(-1)).toThrow(/'n' passed to 'Rng.permutation'/);
    expect(() => restoreRng({ algorithm: 'xoshiro128**', words: [0, 0, 0, 0] })).toThrow(
      /'state' passed to 'restoreRng' must be an RngState/,
    );
    expect(() => restoreRng({ words: [1, 2, 3] } as never)).toThrow(/must be an RngState/);
    expect(() => rng.setState(null as never)).toThrow(/'state' passed to 'Rng.setState'/);
  });
});

describe('deriveSeed', () => {
  it('is deterministic and separates its parts', () => {
    expect(deriveSeed(1, 2, 3)).toBe(deriveSeed(1, 2, 3));
    const seeds = new Set([deriveSeed(1, 2, 3), deriveSeed(1, 3, 2), deriveSeed(1, 2), deriveSeed(2, 2, 3), deriveSeed(1)]);
    expect(seeds.size).toBe(5);
    expect(() => deriveSeed(1, 0.5)).toThrow(/'parts\[0\]' passed to 'deriveSeed' must be a safe integer/);
  });
});
