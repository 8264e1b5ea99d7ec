import { buildModel, trainModel } from '@kd/trainer';
import type { FitOptions } from '@kd/trainer';
import { checkpoints } from '@kd/trainer/node';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { blobs } from '../../../test/datasets';
import { deadPid } from '../../../test/dead-pid';
import { describeBackends } from '../../../test/describe-backends';
import { tempDirEach } from '../../../test/temp-dir';
import { weightsOf } from '../../../test/weights';

const model = () => buildModel({ type: 'mlp', hidden: [8] }, { inputShape: [6, 6, 1], numClasses: 3, seed: 1 });

describeBackends('checkpoints()', () => {
  const data = blobs(60, 1);
  const options: FitOptions = { epochs: 2, batchSize: 20, seed: 9, optimizer: { kind: 'sgd', learningRate: 0.05 }, progress: false };
  const folder = tempDirEach('kd-checkpoints-');

  it('removes the temporary folders and files killed runs left, and keeps those of a live writer', async () => {
    const abandoned = `checkpoint-000002.tmp-${deadPid()}-1764000000000`;
    const live = `checkpoint-000002.tmp-${process.pid}-1764000000000`;
    await mkdir(join(folder(), abandoned));
    await mkdir(join(folder(), live));
    await writeFile(join(folder(), `.latest.json.${deadPid()}.0a1b2c3d.tmp`), '{"checkp');
    const m = model();
    await trainModel(m, data, { ...options, callbacks: [checkpoints({ dir: folder(), resume: 'auto' })] });
    m.dispose();
    expect((await readdir(folder())).toSorted()).toEqual(['checkpoint-000002', live, 'latest.json']);
  });

  it('continues only the same run: another seed, batch size or optimizer is refused, naming each, before anything changes', async () => {
    const first = model();
    await trainModel(first, data, { ...options, callbacks: [checkpoints({ dir: folder() })] });
    first.dispose();
    const listing = (await readdir(folder())).toSorted();
    const modified = (await stat(join(folder(), 'latest.json'))).mtimeMs;

    const other = model();
    const before = weightsOf(other);
    await expect(
      trainModel(other, data, { ...options, epochs: 3, seed: 10, batchSize: 30, optimizer: { kind: 'sgd', learningRate: 0.1 }, callbacks: [checkpoints({ dir: folder(), resume: true })] }),
    ).rejects.toThrow(
      /^'trainModel': checkpoints\(\{ resume \}\) found a checkpoint of another run, .*checkpoint-000002: batchSize: 20 there, 30 here; seed: 9 there, 10 here; optimizer\.learningRate: 0\.05 there, 0\.1 here; resume continues only the same run \(to start this one, give it another folder\)$/,
    );
    expect(weightsOf(other)).toEqual(before);
    expect((await readdir(folder())).toSorted()).toEqual(listing);
    expect((await stat(join(folder(), 'latest.json'))).mtimeMs).toBe(modified);

    // More epochs, other metrics: the same run, continued.
    const result = await trainModel(other, data, { ...options, epochs: 3, metrics: ['accuracy'], callbacks: [checkpoints({ dir: folder(), resume: true })] });
    expect(result.resumedFromEpoch).toBe(2);
    other.dispose();
  });
});
