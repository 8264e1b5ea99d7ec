import { loadMnistDigits } from '@kd/data';
import { describe, expect, it } from 'vitest';

describe('loadMnistDigits', () => {
  it('loads all 10,000 digits and splits them 8,000 / 2,000, seeded and stratified', async () => {
    const { train, test, all } = await loadMnistDigits();
    // The per-class counts of the JSON files in mnist 1.1.0: nothing is truncated.
    expect(Array.from(all.classCounts())).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(all.imageShape).toEqual([28, 28, 1]);
    expect(train.size).toBe(8000);
    expect(test.size).toBe(2000);
    const counts = Array.from(test.classCounts());
    Array.from(all.classCounts()).forEach((n, c) => expect(Math.abs(counts[c]! - n * 0.2)).toBeLessThan(1));
    const again = await loadMnistDigits();
    expect(again.test.fingerprint()).toBe(test.fingerprint());
    expect(again.train.fingerprint()).toBe(train.fingerprint());
    const other = await loadMnistDigits({ seed: 1, testFraction: 0.1 });
    expect(other.test.size).toBe(1000);
    expect(other.test.fingerprint()).not.toBe(test.fingerprint());
    let max = 0;
    for (let i = 0; i < 50; i++) max = Math.max(max, ...all.image(i * 200));
    expect(max).toBeGreaterThan(0.9);
    expect(max).toBeLessThanOrEqual(1);
  });

  it('rejects a bad fraction', async () => {
    await expect(loadMnistDigits({ testFraction: 2 })).rejects.toThrow(
      /'testFraction' passed to 'loadMnistDigits' must be a number in \[0, 1\], got 2/,
    );
  });
});
