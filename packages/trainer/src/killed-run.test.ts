import { trainModel } from '@kd/trainer';
import { checkpoints } from '@kd/trainer/node';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { activateBackend, testBackends } from '../../../test/backends';
import { fixtureData, fixtureModel, fixtureOptions } from '../../../test/killed-run-fixture';
import { weightsOf } from '../../../test/weights';

const require = createRequire(import.meta.url);

// Bit-identical resumption is promised on the cpu backend, which the child process uses too.
describe.runIf(testBackends.includes('cpu'))('a killed training run [cpu]', () => {
  beforeAll(async () => {
    await activateBackend('cpu');
  });

  it('resumes after SIGKILL from its last complete checkpoint and ends like an uninterrupted run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kd-kill-'));
    try {
      // The run in a child process, killed (no cleanup, no chance to finish a write) once it has
      // reported its third epoch: it is then writing or about to write the next checkpoint.
      const child = spawn(
        process.execPath,
        ['--conditions=@kd/source', '--import', require.resolve('tsx'), join(import.meta.dirname, '..', '..', '..', 'test', 'train-child.ts'), dir],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_, signal) => resolve(signal)));
      let seen = '';
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('epoch 3\n')) child.kill('SIGKILL');
      });
      expect(await exited).toBe('SIGKILL');
      expect(seen).not.toContain(`epoch ${fixtureOptions.epochs}\n`);

      const resumed = fixtureModel();
      const result = await trainModel(resumed, fixtureData(), { ...fixtureOptions, callbacks: [checkpoints({ dir, resume: true })] });
      expect(result.resumedFromEpoch).toBeGreaterThanOrEqual(3);
      expect(result.epochs).toBe(fixtureOptions.epochs);

      const whole = fixtureModel();
      await trainModel(whole, fixtureData(), fixtureOptions);
      expect(weightsOf(resumed)).toEqual(weightsOf(whole));
      resumed.dispose();
      whole.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
