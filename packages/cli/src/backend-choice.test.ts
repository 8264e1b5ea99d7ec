import { describe, expect, it } from 'vitest';
import { describeBackend } from './backend-choice';

describe('describeBackend', () => {
  it('says in one line what was chosen and what was passed over', () => {
    expect(
      describeBackend({
        kind: 'wasm',
        name: 'wasm',
        accelerated: false,
        threads: 2,
        simd: true,
        tfjsVersion: '4.22.0',
        skipped: [
          { kind: 'gpu', reason: 'not installed' },
          { kind: 'node', reason: 'not installed' },
        ],
      }),
    ).toBe('backend: wasm (wasm, CPU, 2 threads, SIMD), tfjs-core 4.22.0; skipped gpu, node');
    expect(
      describeBackend({ kind: 'gpu', name: 'tensorflow', accelerated: true, threads: 8, simd: true, tfjsVersion: '4.22.0', skipped: [] }),
    ).toBe('backend: gpu (tensorflow, GPU, 8 threads, SIMD), tfjs-core 4.22.0');
  });
});
