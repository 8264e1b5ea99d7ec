import type { Tensor } from '@tensorflow/tfjs-core';
import { sha256 } from '@kd/core';

/**
 * SHA-256 (hex) over named tensors: each name, dtype, shape and the raw bytes of its values, in the
 * order given. Two teachers with the same fingerprint compute the same function, so a cache of
 * teacher outputs can be checked against the teacher that is supposed to have produced it.
 *
 * @param weights `[name, tensor]` pairs, e.g. a model's weights in order.
 * @param context what else the function depends on (an architecture, an id); hashed first.
 */
export function weightsFingerprint(weights: ReadonlyArray<readonly [string, Tensor]>, context = ''): string {
  const hash = sha256().update(`${context}\0`);
  for (const [name, tensor] of weights) {
    hash.update(`${name}\0${tensor.dtype}\0${tensor.shape.join(',')}\0`);
    const values = tensor.dataSync();
    hash.update(ArrayBuffer.isView(values) ? values : JSON.stringify(values));
  }
  return hash.digest();
}
