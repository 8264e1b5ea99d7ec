import type { io } from '@tensorflow/tfjs-core';

const bytesPerValue: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/**
 * How many bytes the weights a manifest lists take in their binary file (`weights.bin`, an
 * optimizer's state), quantized ones at their stored size; undefined when it cannot be known in
 * advance (string weights, an unknown dtype). A file of another length is corrupt or belongs to
 * another manifest: checking this first turns tfjs's tensor-size error into one naming the file.
 */
export function weightsByteLength(specs: readonly io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const size = bytesPerValue[spec.quantization?.dtype ?? spec.dtype];
    if (size === undefined || !Array.isArray(spec.shape)) return undefined;
    total += size * spec.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}
