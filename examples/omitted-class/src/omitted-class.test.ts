import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { createRunContext, currentBackend, parseFlags } from '@kd-examples/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, testBackends } from '../../../test/backends';
import { runOmittedClass } from './omitted-class';

// The whole pipeline once, on wasm when present (the backend `npm start` picks here).
const backend = testBackends.includes('wasm') ? 'wasm' : testBackends[0]!;
const out = mkdtempSync(join(tmpdir(), 'kd-omitted-class-test-'));
beforeAll(() => activateBackend(backend));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe(`omitted-class --quick [${backend}]`, () => {
  it('distils without the class, picks the bias on validation data, writes its results and disposes its tensors', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const argv = ['--quick', '--seeds', '1', '--out', out];
    const { flags } = parseFlags(argv, { seeds: [0] });
    const context = createRunContext('omitted-class', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
    const result = await runOmittedClass(flags, context);

    expect(result.omittedInTest).toBe(31);
    const [seed] = result.seeds;
    expect(seed!.transferSize).toBe(600 - 62);
    // A student that never saw a 3 calls few test 3s a 3; the offset never adds validation errors.
    expect(seed!.before.omittedClassRecognised).toBeLessThan(0.5);
    // The teacher learnt the class: it recognises more of them than the student that never saw one.
    expect(seed!.teacherOmittedClassErrors).toBeLessThan(seed!.before.omittedClassErrors);
    expect(seed!.biasFix.validationErrorsAfter).toBeLessThanOrEqual(seed!.biasFix.validationErrorsBefore);
    expect(seed!.after.omittedClassErrors).toBeLessThanOrEqual(seed!.before.omittedClassErrors);
    expect(result.files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual([
      'mnist-digits-quick-seed1.json',
      'mnist-digits-quick-summary.md',
      'mnist-digits-quick-confusion-before.svg',
      'mnist-digits-quick-confusion-after.svg',
    ]);
    result.files.forEach((f) => expect(existsSync(f)).toBe(true));
    expect(JSON.parse(readFileSync(result.files[0]!, 'utf8'))).toMatchObject({ example: 'omitted-class', seed: 1, backend: { kind: backend }, settings: { omit: 3 } });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
