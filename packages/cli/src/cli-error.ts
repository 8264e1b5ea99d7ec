/**
 * An error the user caused by how they called `kd` (an unknown option, a missing argument, a
 * value out of range). `kd` prints its message on one line and exits with code 2, the
 * convention for usage errors; every other error exits with code 1.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The command whose `--help` the message points to, when there is one. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/** The exit code `kd` uses for `error`: 2 for a usage error, 1 for anything else. */
export function exitCodeFor(error: unknown): 1 | 2 {
  return error instanceof UsageError ? 2 : 1;
}

/**
 * The one line `kd` prints for `error`: its message without a stack, flattened to one line, and
 * for a usage error a pointer to the right `--help`.
 */
export function formatError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const oneLine = message.replace(/\s*\n\s*/g, ' ').trim() || 'unknown error';
  if (error instanceof UsageError) {
    return `kd: ${oneLine} (see 'kd ${error.command ? `${error.command} ` : ''}--help')`;
  }
  return `kd: ${oneLine}`;
}
