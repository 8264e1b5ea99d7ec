import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { createRunContext, currentBackend, parseFlags } from '@kd-examples/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, testBackends } from '../../../test/backends';
import { runTemperatureSweep } from './temperature-sweep';

// The whole pipeline once, on wasm when present (the backend `npm start` picks here).
const backend = testBackends.includes('wasm') ? 'wasm' : testBackends[0]!;
const out = mkdtempSync(join(tmpdir(), 'kd-temperature-sweep-test-'));
beforeAll(() => activateBackend(backend));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe(`temperature-sweep --quick [${backend}]`, () => {
  it('distils every width at every temperature, picks T on validation, writes its results and disposes its tensors', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const argv = ['--quick', '--out', out];
    const { flags } = parseFlags(argv, { seeds: [0] });
    const context = createRunContext('temperature-sweep', argv, flags, currentBackend(), fileURLToPath(new URL('..', import.meta.url)));
    const result = await runTemperatureSweep(flags, context);

    const [seed] = result.seeds;
    expect(seed!.cells.map((c) => [c.width, c.temperature])).toEqual([[16, 1], [16, 4], [4, 1], [4, 4]]);
    for (const cell of seed!.cells.filter((c) => c.width === 16)) expect(cell.testErrors).toBeLessThan(result.testSize / 2);
    // With one seed the best T is the one with the fewest validation errors.
    for (const width of [16, 4]) {
      const cells = seed!.cells.filter((c) => c.width === width);
      const best = cells.find((c) => c.temperature === result.bestTemperature[String(width)])!;
      expect(Math.min(...cells.map((c) => c.validationErrors))).toBe(best.validationErrors);
    }
    expect(result.files.map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['mnist-digits-quick-seed0.json', 'mnist-digits-quick-summary.md', 'mnist-digits-quick-errors-by-temperature.svg']);
    result.files.forEach((f) => expect(existsSync(f)).toBe(true));
    expect(JSON.parse(readFileSync(result.files[0]!, 'utf8'))).toMatchObject({ example: 'temperature-sweep', seed: 0, settings: { widths: [16, 4] } });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
