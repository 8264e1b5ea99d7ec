import { availableParallelism } from 'node:os';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliContext {
  /** Results and help: what a script might capture. */
  stdout: (text: string) => void;
  /** Progress, the backend line, errors. */
  stderr: (text: string) => void;
  /** Whether stderr is a terminal, where progress bars redraw in place. */
  stderrIsTTY: boolean;
  /** Terminal width for progress bars. */
  columns: number;
  env: Readonly<Record<string, string | undefined>>;
  /** Relative paths in arguments resolve against this folder. */
  cwd: string;
  /** The command line that starts `kd` again (node, its flags, the script): `kd sweep` runs cells with it. */
  selfCommand: readonly string[];
  /** Cores to share among parallel work, the default of `kd sweep --parallel`. */
  cores: number;
  /**
   * Turns the first Ctrl-C into a clean stop: the returned signal aborts, the work finishes its
   * step and saves; a second Ctrl-C quits at once. `release` restores the default.
   */
  trapInterrupt(): { signal: AbortSignal; release(): void };
}

/** The context of the running process. */
export function processContext(): CliContext {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTTY: process.stderr.isTTY === true,
    columns: process.stderr.columns ?? 80,
    env: process.env,
    cwd: process.cwd(),
    selfCommand: [process.execPath, ...process.execArgv, process.argv[1] ?? 'kd'],
    cores: availableParallelism(),
    trapInterrupt() {
      const controller = new AbortController();
      const onInterrupt = (): void => {
        if (controller.signal.aborted) process.exit(130);
        process.stderr.write('\nkd: stopping cleanly after the current step (Ctrl-C again to quit now)\n');
        controller.abort();
      };
      process.on('SIGINT', onInterrupt);
      return { signal: controller.signal, release: () => process.off('SIGINT', onInterrupt) };
    },
  };
}
