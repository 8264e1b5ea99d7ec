import { main } from '@kd/cli';
import type { CliContext } from '@kd/cli';

/**
 * Runs `kd argv` in-process in folder `cwd` and captures what it prints: no terminal, an empty
 * environment unless `context` says otherwise.
 */
export async function runKd(
  cwd: string,
  argv: string[],
  context: Partial<CliContext> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    cwd,
    env: {},
    stderrIsTTY: false,
    ...context,
  });
  return { code, stdout, stderr };
}
