import * as tf from '@tensorflow/tfjs-core';
import { backendOptionsFromEnv, backendPreferenceFromEnv, useBackend } from '@kd/backend';

/** The backend a run used, as the results record it. */
export interface BackendSummary {
  kind: string;
  name: string;
  threads: number;
  simd: boolean;
  accelerated: boolean;
}

/**
 * Chooses the fastest backend present (`KD_BACKEND=gpu|node|wasm|cpu` overrides 'auto'; `KD_THREADS=n`
 * sets the WebAssembly threads) and prints what was chosen and what was skipped.
 */
export async function setupBackend(): Promise<BackendSummary> {
  const info = await useBackend(backendPreferenceFromEnv(), backendOptionsFromEnv());
  const summary = { kind: info.kind, name: info.name, threads: info.threads, simd: info.simd, accelerated: info.accelerated };
  console.log(`backend: ${describeBackend(summary)}`);
  for (const { kind, reason } of info.skipped) console.log(`  skipped ${kind}: ${reason}`);
  return summary;
}

/** The backend tfjs is on now, for runs that did not choose one (tests). */
export function currentBackend(): BackendSummary {
  return { kind: tf.getBackend(), name: tf.getBackend(), threads: 1, simd: false, accelerated: false };
}

export function describeBackend(b: BackendSummary): string {
  return `${b.kind} (${b.name}, ${b.threads} thread${b.threads === 1 ? '' : 's'}${b.simd ? ', SIMD' : ''}${b.accelerated ? ', GPU' : ''})`;
}
