import { jsonDifferences } from '@kd/core';
import { assertFolderFree, folderLockFile, isAbandonedTemporaryFile, lockFolder, readJsonFile, removeAbandonedTemporaryFiles, writeFileAtomic } from '@kd/core/node';
import type { FolderLock } from '@kd/core/node';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExperimentConfig } from './experiment-config';
import { runFiles } from './run-folder';

const fn = "'runExperiment'";

/** What a run does with its output folder: start in it (missing or empty), or continue the run it holds. */
export type RunFolderUse = 'start' | 'continue';

// What a resumed experiment may change: its name and folder, how long each model trains, what it
// measures, whether a baseline follows. Everything else (seed, data, models, loss, optimizer,
// batch size, augmentation) makes it another experiment.
const notTheExperiment = /^(\$schema|name|output|baseline)$|^(training|teacher\.train)\.(epochs|checkpointEvery|metrics|earlyStopping|divergence)(\.|\[|$)/;

/**
 * How a run may use `output`, read without changing anything: a missing or empty folder is started
 * in; with `resume`, a folder holding this experiment's run (its `config.json`) is continued. A
 * folder that holds another experiment (the differences named), a run without `resume`, or files
 * that are no run at all, is an Error; so is `resume` into a folder that does not exist.
 */
export async function checkRunFolder(output: string, config: ExperimentConfig, resume: boolean): Promise<RunFolderUse> {
  const info = await stat(output).catch(() => undefined);
  if (info === undefined) {
    if (resume) throw new Error(`${fn}: options.resume: there is no run folder ${output} to continue (to start the run, leave resume off)`);
    return 'start';
  }
  if (!info.isDirectory()) throw new Error(`${fn}: the output ${output} is a file, not a folder`);
  // A run in progress is in use, whatever its folder holds yet.
  await assertFolderFree(output, `run folder ${output}`);
  return judgeRunFolder(output, config, resume);
}

/** What `output`, an existing folder, holds: nothing (start), this experiment's run (continue), or something else (an Error). */
async function judgeRunFolder(output: string, config: ExperimentConfig, resume: boolean): Promise<RunFolderUse> {
  // A kill can leave the lock and half-written files of a run that never wrote its config.
  const entries = (await readdir(output)).filter((entry) => entry !== folderLockFile && !isAbandonedTemporaryFile(entry));
  if (entries.length === 0) return 'start';
  if (!entries.includes(runFiles.config)) {
    throw new Error(`${fn}: the output folder ${output} holds files but no run (no ${runFiles.config}): choose an empty or new folder`);
  }
  if (!resume) {
    throw new Error(`${fn}: the output folder ${output} already holds a run: continue it with resume (kd run --resume), or choose another folder`);
  }
  const stored = await readJsonFile(join(output, runFiles.config), 'run config');
  const differences = jsonDifferences(stored, config, { labels: ['there', 'here'], ignore: (path) => notTheExperiment.test(path) });
  if (differences.length > 0) {
    throw new Error(
      `${fn}: options.resume: ${output} holds a run of another experiment: ${differences.join('; ')}; resume continues only the same experiment (to run this one, choose another folder)`,
    );
  }
  return 'continue';
}

/**
 * Makes this process the one writer of `output` (created if needed): takes its lock, checks the
 * folder again under it (another run may have started there meanwhile), removes the temporary
 * files killed writers left in it and, for a run that starts, writes `config.json`. The caller
 * releases the lock when the run ends.
 */
export async function claimRunFolder(output: string, config: ExperimentConfig, resume: boolean): Promise<FolderLock> {
  await mkdir(output, { recursive: true });
  const lock = await lockFolder(output, `run folder ${output}`);
  try {
    const use = await judgeRunFolder(output, config, resume);
    await removeAbandonedTemporaryFiles(output);
    if (use === 'start') {
      await writeFileAtomic(join(output, runFiles.config), `${JSON.stringify(config, null, 2)}\n`);
    }
    return lock;
  } catch (error) {
    await lock.release();
    throw error;
  }
}
