import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { createRunContext, currentBackend, parseFlags } from '@kd-examples/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, testBackends } from '../../../test/backends';
import { defaultSettings, runEnsembleDistill } from './ensemble-distill';

// The whole pipeline once, on wasm when present (the backend `npm start` picks here).
const backend = testBackends.includes('wasm') ? 'wasm' : testBackends[0]!;
const out = mkdtempSync(join(tmpdir(), 'kd-ensemble-distill-test-'));
beforeAll(() => activateBackend(backend));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe(`ensemble-distill --quick [${backend}]`, () => {
  it('trains the members, distils each combination, writes its results and disposes its tensors', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const argv = ['--quick', '--out', out];
    const { flags } = parseFlags(argv, { seeds: [0] });
    const context = createRunContext('ensemble-distill', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
    const result = await runEnsembleDistill(flags, context, { ...defaultSettings, members: 3 });

    const [seed] = result.seeds;
    expect(seed!.memberTestErrors).toHaveLength(3);
    // The student with the fewest validation errors of all sets the combination and temperature.
    const best = Math.min(...seed!.combines.map((c) => c.studentValidationErrors));
    const chosen = seed!.combines.find((c) => c.combine === seed!.chosen.combine)!;
    expect(chosen.studentValidationErrors).toBe(best);
    expect(chosen.temperature).toBe(seed!.chosen.temperature);
    expect(seed!.combines.map((c) => c.combine)).toEqual(['arithmetic', 'geometric', 'logits']);
    // The geometric mean of the members' softmax(v/T) is the softmax of their mean logits.
    expect(seed!.combines[1]!.ensembleTestErrors).toBe(seed!.combines[2]!.ensembleTestErrors);
    for (const c of seed!.combines) {
      expect(c.studentTestErrors).toBeLessThan(result.testSize / 2);
      // The student kept is the one with the fewest validation errors of those tried.
      expect(c.candidates.map((k) => k.temperature)).toEqual(defaultSettings.temperatures);
      expect(c.studentValidationErrors).toBe(Math.min(...c.candidates.map((k) => k.validationErrors)));
      expect(c.candidates.find((k) => k.temperature === c.temperature)!.validationErrors).toBe(c.studentValidationErrors);
    }
    expect(result.files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['mnist-digits-quick-seed0.json', 'mnist-digits-quick-summary.md', 'mnist-digits-quick-errors.svg']);
    result.files.forEach((f) => expect(existsSync(f)).toBe(true));
    expect(JSON.parse(readFileSync(result.files[0]!, 'utf8'))).toMatchObject({ example: 'ensemble-distill', seed: 0, settings: { members: 3, width: 32 } });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
