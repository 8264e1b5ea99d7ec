// A teacher-cache build for the probe (probe.ts), run in a child process it kills at each file
// write: `probe-cache-build.ts <path> <version>` caches the outputs of a fixed teacher (one per
// version, so two builds differ) over 5 batches of 4 examples at <path>.
import * as tf from '@tensorflow/tfjs-core';
// oxlint-disable-next-line import/no-unassigned-import -- registers the backend with tfjs
import '@tensorflow/tfjs-backend-cpu';
import { functionTeacher } from '@kd/ensemble';
import { buildTeacherCache } from '@kd/ensemble/node';

const [path, version] = process.argv.slice(2);
await tf.setBackend('cpu');
const weights = tf.tensor2d(new Float32Array(6).fill(Number(version)), [2, 3]);
const teacher = functionTeacher((x) => tf.matMul(x as tf.Tensor2D, weights as tf.Tensor2D), { numClasses: 3, id: `probe-${version}` });
function* batches() {
  for (let b = 0; b < 5; b++) {
    const x = tf.tensor2d(new Float32Array(8).fill(b + 1), [4, 2]);
    yield { x, indices: Int32Array.from([0, 1, 2, 3], (i) => b * 4 + i), augmentation: null };
    x.dispose();
  }
}
await buildTeacherCache({ teacher, batches: batches(), path: path!, dataset: { inputsFingerprint: () => 'probe' } });
