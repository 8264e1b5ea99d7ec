import { backendKinds, backendOptionsFromEnv, backendPreferenceFromEnv, useBackend } from '@kd/backend';
import type { BackendInfo } from '@kd/backend';
import type { CliContext } from './cli-context';
import { UsageError } from './cli-error';
import type { ParsedCommandLine } from './command-line';

/**
 * The value of `--backend` (undefined when not given), checked before a command reads any file, so
 * that a mistyped backend is a usage error whatever else is wrong.
 */
export function backendFlag(values: ParsedCommandLine['values'], command: string): string | undefined {
  const flag = values.backend;
  const choices = ['auto', ...backendKinds];
  if (typeof flag === 'string' && !choices.includes(flag)) {
    throw new UsageError(`option '--backend' must be one of ${choices.join(', ')}, got '${flag}'`, command);
  }
  return typeof flag === 'string' ? flag : undefined;
}

/**
 * Activates the backend `--backend` names (`backendFlag`), else the one `KD_BACKEND` names, else
 * the fastest present (@kd/backend's `useBackend`), and prints one line on stderr saying what was
 * chosen.
 *
 * @param threads threads of the native kernels or of WebAssembly; default `KD_THREADS`, else every core (a sweep passes its share).
 */
export async function chooseBackend(flag: string | undefined, ctx: CliContext, threads?: number): Promise<BackendInfo> {
  const preference = (flag ?? backendPreferenceFromEnv(ctx.env)) as Parameters<typeof useBackend>[0];
  const info = await useBackend(preference, threads === undefined ? backendOptionsFromEnv(ctx.env) : { threads });
  ctx.stderr(`${describeBackend(info)}\n`);
  return info;
}

/** `backend: wasm (2 threads, SIMD), tfjs-core 4.22.0; skipped gpu, node`. */
export function describeBackend(info: BackendInfo): string {
  const traits = [
    info.accelerated ? 'GPU' : 'CPU',
    `${info.threads} thread${info.threads === 1 ? '' : 's'}`,
    ...(info.simd ? ['SIMD'] : []),
  ];
  const skipped = info.skipped.length > 0 ? `; skipped ${info.skipped.map((s) => s.kind).join(', ')}` : '';
  return `backend: ${info.kind} (${info.name}, ${traits.join(', ')}), tfjs-core ${info.tfjsVersion}${skipped}`;
}
