import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { createRunContext, currentBackend, parseFlags } from '@kd-examples/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, testBackends } from '../../../test/backends';
import { runSpecialists } from './specialists';

// The whole pipeline once, on wasm when present (the backend `npm start` picks here).
const backend = testBackends.includes('wasm') ? 'wasm' : testBackends[0]!;
const out = mkdtempSync(join(tmpdir(), 'kd-specialists-test-'));
beforeAll(() => activateBackend(backend));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe(`specialists --quick [${backend}]`, () => {
  it('clusters the classes, trains a specialist per cluster, combines them, writes its results and disposes its tensors', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const argv = ['--quick', '--out', out];
    const { flags } = parseFlags(argv, { seeds: [0] });
    const context = createRunContext('specialists', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
    const result = await runSpecialists(flags, context);

    const [seed] = result.seeds;
    expect(seed!.clusters).toHaveLength(4);
    expect(seed!.clusters.flat().toSorted((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seed!.specialists.map((s) => s.classes)).toEqual(seed!.clusters.filter((c) => c.length >= 2));
    for (const s of seed!.specialists) {
      expect(s.combinedErrors).toBeLessThanOrEqual(s.testExamples);
    }
    expect(seed!.combinedAccuracy).toBeGreaterThan(0.5);
    expect(result.files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual([
      'mnist-digits-quick-seed0.json',
      'mnist-digits-quick-summary.md',
      'mnist-digits-quick-confusion-generalist.svg',
      'mnist-digits-quick-confusion-combined.svg',
    ]);
    result.files.forEach((f) => expect(existsSync(f)).toBe(true));
    expect(JSON.parse(readFileSync(result.files[0]!, 'utf8'))).toMatchObject({ example: 'specialists', seed: 0, settings: { clusters: 4 } });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('with --patience, early-stops the generalist and every specialist on validation data and keeps their best epochs', async () => {
    const argv = ['--quick', '--out', join(out, 'patience'), '--patience', '1', '--epochs', '40'];
    const { flags } = parseFlags(argv, { seeds: [0] });
    const context = createRunContext('specialists', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
    const [seed] = (await runSpecialists(flags, context)).seeds;

    const models = [{ epochs: seed!.generalistEpochs, bestEpoch: seed!.generalistBestEpoch }, ...seed!.specialists];
    for (const m of models) {
      expect(m.epochs).toBeLessThan(40);
      expect(m.epochs - m.bestEpoch).toBe(1);
    }
    expect(readFileSync(join(out, 'patience', 'mnist-digits-quick-summary.md'), 'utf8')).toContain('early-stopped on validation errors (patience 1)');
  });
});
