import { backendKinds, backendOptionsFromEnv, backendPreferenceFromEnv, useBackend } from '@kd/backend';
import type { BackendInfo } from '@kd/backend';
import type { CliContext } from './cli-context';
import { UsageError } from './cli-error';

/**
 * Activates the backend `--backend` names, else the one `KD_BACKEND` names, else the fastest
 * present (@kd/backend's `useBackend`), and prints one line on stderr saying what was chosen.
 *
 * @param threads WebAssembly threads; default `KD_THREADS`, else every core (a sweep passes its share).
 */
export async function chooseBackend(
  flag: string | undefined,
  ctx: CliContext,
  command: string,
  threads?: number,
): Promise<BackendInfo> {
  const choices = ['auto', ...backendKinds];
  if (flag !== undefined && !choices.includes(flag)) {
    throw new UsageError(`option '--backend' must be one of ${choices.join(', ')}, got '${flag}'`, command);
  }
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
