import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRunContext, currentBackend, parseFlags } from '@kd-examples/shared';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, testBackends } from '../../../test/backends';
import { defaultSettings, runSoftTargets } from './soft-targets';

const backend = testBackends.includes('native') ? 'native' : testBackends.includes('wasm') ? 'wasm' : testBackends[0]!;
const out = mkdtempSync(join(tmpdir(), 'kd-soft-targets-test-'));
beforeAll(() => activateBackend(backend));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe(`soft-targets --quick [${backend}]`, () => {
  it('trains on all the data and on the small share with hard and soft targets, and reports the share recovered', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const argv = ['--quick', '--seeds', '1', '--out', join(out, backend)];
    const { flags } = parseFlags(argv, { seeds: [0] });
    const context = createRunContext('soft-targets', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
    const result = await runSoftTargets(flags, context, { ...defaultSettings, fraction: 0.1, temperatures: [2, 4] });
    // 10 % of the quick run's 600 training digits, stratified over 10 classes.
    expect(result.smallSize).toBe(60);
    const [seed] = result.seeds;
    expect(seed!.candidates.map((c) => c.temperature)).toEqual([2, 4]);
    expect(seed!.softSmall.validationErrors).toBe(Math.min(...seed!.candidates.map((c) => c.validationErrors)));
    const gap = seed!.hardSmall.testErrors - seed!.allData.testErrors;
    expect(seed!.recovered).toBe(gap > 0 ? (seed!.hardSmall.testErrors - seed!.softSmall.testErrors) / gap : null);
    expect(result.files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['mnist-digits-quick-seed1.json', 'mnist-digits-quick-summary.md']);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
