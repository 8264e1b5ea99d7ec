import { createHash } from 'node:crypto';
import { createRng, sha256 } from '@kd/core';
import { describe, expect, it } from 'vitest';

describe('sha256', () => {
  it.each(['', 'abc', 'abcdbcdecdefdefgefghfghighijhijkijkljklmjklmnklmnolmnopmnopqnopq', 'é'.repeat(40)])(
    'matches node:crypto on %j',
    (text) => {
      expect(sha256().update(text).digest()).toBe(createHash('sha256').update(text).digest('hex'));
    },
  );

  it('hashes typed arrays by their bytes, fed in pieces of any length', () => {
    const rng = createRng(1);
    const values = Float32Array.from({ length: 1000 }, () => rng.normal());
    const bytes = new Uint8Array(values.buffer);
    const hasher = sha256();
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + rng.int(130);
      hasher.update(values.subarray(at / 4, Math.min(values.length, (at + size * 4) / 4)));
      at += size * 4;
    }
    expect(hasher.digest()).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('refuses use after digest', () => {
    const hasher = sha256();
    hasher.digest();
    expect(() => hasher.update('x')).toThrow("'sha256.update' was called after digest()");
  });
});
