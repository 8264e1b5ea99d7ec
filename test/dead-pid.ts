import { spawnSync } from 'node:child_process';

/** The pid of a process that has ended: what a killed writer leaves in its lock or temporary files. */
export function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}
