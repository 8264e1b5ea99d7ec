// Time per call of each @kd/losses loss, forward and forward + gradient w.r.t. the student's
// logits, on every backend present, and what the label / teacherProbs value checks cost.
// Prints numbers; asserts nothing.
//   npx tsx --conditions=@kd/source bench/losses.ts [batch] [classes]
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
import { decoupledKdLoss, distillationLoss, distLoss, logitMatchingLoss } from '@kd/losses';

const batch = Number(process.argv[2] ?? 128);
const classes = Number(process.argv[3] ?? 10);
const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!;

function time(body: () => void, rounds = 50): number {
  for (let i = 0; i < 5; i++) body();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    body();
    times.push(performance.now() - start);
  }
  return median(times);
}

for (const backend of ['cpu', 'wasm']) {
  await tf.setBackend(backend);
  await tf.ready();
  const z = tf.randomNormal([batch, classes], 0, 3, 'float32', 1);
  const v = tf.randomNormal([batch, classes], 0, 3, 'float32', 2);
  const probs = tf.softmax(tf.div(v, 4));
  const ids = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % classes), 'int32');
  // The same soft + hard loss with no argument checks: the floor the checks add to.
  const bare = (s: Tensor) =>
    tf.tidy(() => {
      const soft = tf.mul(tf.mean(tf.sum(tf.mul(tf.softmax(tf.div(v, 4)), tf.sub(tf.logSoftmax(tf.div(v, 4)), tf.logSoftmax(tf.div(s, 4)))), 1)), 16);
      const hard = tf.neg(tf.mean(tf.sum(tf.mul(tf.oneHot(ids, classes), tf.logSoftmax(s)), 1)));
      return tf.add(soft, tf.mul(hard, 0.1)) as tf.Scalar;
    });
  const cases: Array<[string, (s: Tensor) => tf.Scalar]> = [
    ['distillationLoss, teacherLogits + class ids', (s) => distillationLoss({ studentLogits: s, teacherLogits: v, labels: ids, temperature: 4, hardWeight: 0.1 }).total],
    ['distillationLoss, teacherProbs + class ids', (s) => distillationLoss({ studentLogits: s, teacherProbs: probs, labels: ids, temperature: 4, hardWeight: 0.1 }).total],
    ['same loss inlined, no checks (tf.logSoftmax)', bare],
    ['logitMatchingLoss', (s) => logitMatchingLoss({ studentLogits: s, teacherLogits: v })],
    ['decoupledKdLoss', (s) => decoupledKdLoss({ studentLogits: s, teacherLogits: v, labels: ids, temperature: 4 }).total],
    ['distLoss', (s) => distLoss({ studentLogits: s, teacherLogits: v, temperature: 4 }).total],
  ];
  console.log(`\n${backend}, batch ${batch}, ${classes} classes: median ms per call and kernels run (forward | forward + gradient)`);
  for (const [name, loss] of cases) {
    const forward = time(() => tf.dispose(tf.tidy(() => loss(z).dataSync())));
    const withGrad = time(() => tf.tidy(() => tf.grad(loss)(z).dataSync()));
    const kernels = async (body: () => Tensor) => (await tf.profile(() => tf.tidy(body))).kernels.length;
    const forwardKernels = await kernels(() => loss(z));
    const gradKernels = await kernels(() => tf.grad(loss)(z));
    console.log(
      `  ${name.padEnd(46)} ${forward.toFixed(3).padStart(8)} ms ${String(forwardKernels).padStart(4)} kernels | ${withGrad.toFixed(3).padStart(8)} ms ${String(gradKernels).padStart(4)} kernels`,
    );
  }
  tf.dispose([z, v, probs, ids]);
}
