import { loadExperimentData } from '@kd/cli';
import type { DataConfig } from '@kd/cli';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeIdx } from '../../../test/idx-files';
import { tempDirEach } from '../../../test/temp-dir';

/** An MNIST-format folder of `train` and `test` 4x4 images, labels i % 4. */
async function idxFolder(dir: string, train: number, test: number): Promise<string> {
  const folder = join(dir, `idx-${train}-${test}`);
  await mkdir(folder, { recursive: true });
  for (const [prefix, n] of [['train', train], ['t10k', test]] as const) {
    await writeFile(join(folder, `${prefix}-images-idx3-ubyte`), encodeIdx('uint8', [n, 4, 4], Array.from({ length: n * 16 }, (_, i) => (i * 37) % 256)));
    await writeFile(join(folder, `${prefix}-labels-idx1-ubyte`), encodeIdx('uint8', [n], Array.from({ length: n }, (_, i) => i % 4)));
  }
  return folder;
}

describe('loadExperimentData', () => {
  const folder = tempDirEach('kd-experiment-data-');

  it('loads train, validation, transfer and test parts', async () => {
    const dir = await idxFolder(folder(), 40, 8);
    const { train, validation, transfer, test } = await loadExperimentData({ source: 'idx', dir, validationFraction: 0.25, transferFraction: 0.5, omitClasses: [3] }, { seed: 1 });
    expect([train.size, validation.size, transfer.size, test.size]).toEqual([30, 10, 11, 8]);
  });

  // Each of these used to train the teacher first, then fail in tfjs ("Pass at least one tensor to
  // concat") or in a progress bar, naming no setting.
  it.each<[string, number, number, Partial<DataConfig>, RegExp]>([
    ['a validation fraction that rounds to no example', 40, 8, { validationFraction: 0.01 }, /^'loadExperimentData': data\.validationFraction: 0\.01 of the 40 training examples is no validation example$/],
    ['a validation fraction that leaves nothing to train on', 40, 8, { validationFraction: 0.99 }, /^'loadExperimentData': data\.validationFraction: 0\.99 of the 40 training examples leaves none to train on$/],
    ['a transfer fraction that rounds to no example', 40, 8, { transferFraction: 0.01 }, /^'loadExperimentData': data\.transferFraction: 0\.01 of the 36 training examples left after validation is no transfer example$/],
    ['omitted classes that cover every example', 40, 8, { omitClasses: [0, 1, 2, 3] }, /^'loadExperimentData': data\.omitClasses: \[0, 1, 2, 3\] leaves no transfer example: all 36 are of those classes$/],
    ['an omitted class the data lacks', 40, 8, { omitClasses: [3, 12] }, /^'loadExperimentData': data\.omitClasses: 12 is not a class of the data \(0 to 9\)$/],
    ['an empty test set', 40, 0, {}, /^'loadExperimentData': data\.dir: .*t10k-images-idx3-ubyte.* holds no test examples$/],
    ['no training examples', 0, 8, {}, /^'loadExperimentData': data\.dir: .*train-images-idx3-ubyte.* holds no training examples$/],
    ['a folder without the files', -1, -1, {}, /^'loadExperimentData': data\.dir: 'loadMnistStyle': '.*idx-none' has neither train-images-idx3-ubyte\.gz nor train-images-idx3-ubyte$/],
  ])('refuses %s, naming the key and the value', async (_, train, test, data, error) => {
    const dir = train < 0 ? join(folder(), 'idx-none') : await idxFolder(folder(), train, test);
    await expect(loadExperimentData({ source: 'idx', dir, ...data } as DataConfig)).rejects.toThrow(error);
  });
});
