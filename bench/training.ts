// Training throughput of the paper's MNIST workloads on every TensorFlow.js backend present, and
// on PyTorch (Debian's python3-torch) in the same run. Prints numbers; asserts nothing.
//
//   npm run bench                       full run (about 5 minutes on 2 cores)
//   npm run bench -- --rounds 1 --steps 5 --leak-steps 50 --skip cpu     a quick look
//   --budget-seconds N   time budget per workload for the other backends (default 30)
//
// Each backend runs in its own Node process (kernel registrations are process-wide), and the
// default backend alternates with PyTorch round by round; the table shows medians over rounds.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';

const BATCH = 128;
const TEMPERATURE = 20;
const SOFT_WEIGHT = 0.9;
const HARD_WEIGHT = 0.1;
const IMAGES = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
const PYTHON = '/usr/bin/python3';
const workloads = ['teacher', 'student', 'distillation', 'cnn'] as const;
type Workload = (typeof workloads)[number];
const descriptions: Record<Workload, string> = {
  teacher: 'teacher MLP 784-1200-1200-10, train step',
  student: 'student MLP 784-800-800-10, train step',
  distillation: 'distillation step (frozen 1200 teacher fwd + 800 student fwd/bwd, T=20)',
  cnn: 'CNN student conv32-pool-conv64-pool-128-10, train step',
};

/** The backends a child process can run. `default` is whatever `useBackend()` picks. */
const configs = {
  default: 'kd default: useBackend()',
  'wasm-1-thread': "kd wasm, 1 thread: useBackend('wasm', { threads: 1 })",
  'stock-wasm': 'tfjs wasm as shipped',
  'stock-cpu': 'tfjs cpu as shipped',
} as const;
type Config = keyof typeof configs;

const { values: args } = parseArgs({
  options: {
    child: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    'leak-steps': { type: 'string', default: '1000' },
    skip: { type: 'string', multiple: true, default: [] },
    'budget-seconds': { type: 'string', default: '30' },
  },
});

interface ChildResult {
  backend: string;
  samplesPerSecond: Partial<Record<Workload, number | string>>;
  tensorCounts?: Array<[number, number]>;
}

if (args.child) {
  const result = await runChild(
    args.child as Config,
    Number(args.steps),
    Number(args.warmup),
    Number(args['leak-steps']),
    Number(args['budget-seconds']) * 1000,
  );
  console.log(`KD_BENCH_RESULT ${JSON.stringify(result)}`);
  process.exit(0);
} else {
  await orchestrate();
}

async function runChild(
  config: Config,
  steps: number,
  warmup: number,
  leakSteps: number,
  budgetMs: number,
): Promise<ChildResult> {
  const tf = await import('@tensorflow/tfjs-core');
  const tfl = await import('@tensorflow/tfjs-layers');
  let backend: string;
  if (config === 'stock-wasm' || config === 'stock-cpu') {
    await import(config === 'stock-wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs-backend-cpu');
    await tf.setBackend(config === 'stock-wasm' ? 'wasm' : 'cpu');
    backend = tf.getBackend();
  } else {
    const { useBackend } = await import('@kd/backend');
    const info = await useBackend('auto', config === 'wasm-1-thread' ? { threads: 1 } : {});
    backend = `${info.kind} (${info.name}, ${info.threads} thread${info.threads > 1 ? 's' : ''}${info.simd ? ', SIMD' : ''})`;
  }

  const images = existsSync(IMAGES)
    ? Float32Array.from(gunzipSync(readFileSync(IMAGES)).subarray(16, 16 + 8 * BATCH * 784), (v) => v / 255)
    : Float32Array.from({ length: 8 * BATCH * 784 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const xs = Array.from({ length: 8 }, (_, b) => tf.tensor2d(images.subarray(b * BATCH * 784, (b + 1) * BATCH * 784), [BATCH, 784]));
  const ys = Array.from({ length: 8 }, (_, b) =>
    tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, i) => (b * BATCH + i) % 10), 'int32'), 10), 'float32')),
  );

  const mlp = (hidden: number) =>
    tfl.sequential({
      layers: [
        tfl.layers.dense({ units: hidden, activation: 'relu', inputShape: [784] }),
        tfl.layers.dense({ units: hidden, activation: 'relu' }),
        tfl.layers.dense({ units: 10 }),
      ],
    });
  const cnn = () =>
    tfl.sequential({
      layers: [
        tfl.layers.reshape({ targetShape: [28, 28, 1], inputShape: [784] }),
        tfl.layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 128, activation: 'relu' }),
        tfl.layers.dense({ units: 10 }),
      ],
    });
  type Model = ReturnType<typeof mlp>;
  type Tensor = InstanceType<typeof tf.Tensor>;

  const supervised = (model: Model) => {
    const optimizer = tf.train.adam(1e-3);
    return (x: Tensor, y: Tensor) =>
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as Tensor) as never, true)!;
  };
  const distillation = (teacher: Model, student: Model) => {
    const optimizer = tf.train.adam(1e-3);
    return (x: Tensor, y: Tensor) => {
      const softTargets = tf.tidy(() => tf.softmax(tf.div(teacher.apply(x) as Tensor, TEMPERATURE)));
      const loss = optimizer.minimize(
        () =>
          tf.tidy(() => {
            const logits = student.apply(x, { training: true }) as Tensor;
            const logQ = tf.logSoftmax(tf.div(logits, TEMPERATURE));
            const kl = tf.div(tf.sum(tf.mul(softTargets, tf.sub(tf.log(tf.add(softTargets, 1e-20)), logQ))), BATCH);
            const hard = tf.losses.softmaxCrossEntropy(y, logits);
            return tf.add(tf.mul(kl, SOFT_WEIGHT * TEMPERATURE ** 2), tf.mul(hard, HARD_WEIGHT)) as never;
          }),
        true,
        student.trainableWeights.map((w) => w.read() as never),
      )!;
      softTargets.dispose();
      return loss;
    };
  };
  const makers: Record<Workload, () => (x: Tensor, y: Tensor) => Tensor> = {
    teacher: () => supervised(mlp(1200)),
    student: () => supervised(mlp(800)),
    distillation: () => distillation(mlp(1200), mlp(800)),
    cnn: () => supervised(cnn()),
  };

  const run = async (step: (x: Tensor, y: Tensor) => Tensor, i: number) => {
    const loss = step(xs[i % 8]!, ys[i % 8]!);
    await loss.data();
    loss.dispose();
  };
  const samplesPerSecond: ChildResult['samplesPerSecond'] = {};
  let distillationStep: ((x: Tensor, y: Tensor) => Tensor) | undefined;
  for (const workload of workloads) {
    if (config === 'stock-cpu' && workload === 'cnn') {
      // One step takes minutes there; the point is made by the MLPs.
      samplesPerSecond[workload] = 'not run (minutes per step)';
      continue;
    }
    try {
      const step = makers[workload]();
      // Slow backends (stock cpu takes seconds per step) get at least one step each, then stop
      // once the time budget is spent.
      const warmupStart = performance.now();
      for (let i = 0; i < warmup && (i === 0 || performance.now() - warmupStart < budgetMs); i++) await run(step, i);
      const start = performance.now();
      let done = 0;
      while (done < steps && (done === 0 || performance.now() - start < budgetMs)) await run(step, done++);
      samplesPerSecond[workload] = (done * BATCH) / ((performance.now() - start) / 1000);
      if (workload === 'distillation') distillationStep = step;
    } catch (error) {
      samplesPerSecond[workload] = `fails: ${(error as Error).message.split('\n')[0]!.slice(0, 80)}`;
    }
  }

  const result: ChildResult = { backend, samplesPerSecond };
  if (leakSteps > 0 && distillationStep) {
    const tensorCounts: Array<[number, number]> = [];
    for (let i = 1; i <= leakSteps; i++) {
      await run(distillationStep, i);
      if ([1, 10, 100, 1000, leakSteps].includes(i)) tensorCounts.push([i, tf.memory().numTensors]);
    }
    result.tensorCounts = tensorCounts;
  }
  return result;
}

async function orchestrate(): Promise<void> {
  const rounds = Number(args.rounds);
  const steps = Number(args.steps);
  const warmup = Number(args.warmup);
  const skip = new Set(args.skip);
  const script = fileURLToPath(import.meta.url);
  const node = (
    config: Config,
    options: { steps: number; warmup: number; leakSteps: number; budgetSeconds: number },
  ): ChildResult => {
    const out = execFileSync(
      process.execPath,
      [
        '--conditions=@kd/source',
        '--import',
        'tsx',
        script,
        '--child',
        config,
        '--steps',
        String(options.steps),
        '--warmup',
        String(options.warmup),
        '--leak-steps',
        String(options.leakSteps),
        '--budget-seconds',
        String(options.budgetSeconds),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
    );
    const line = out.split('\n').find((l) => l.startsWith('KD_BENCH_RESULT '));
    if (!line) throw new Error(`bench child '${config}' printed no result:\n${out}`);
    return JSON.parse(line.slice('KD_BENCH_RESULT '.length)) as ChildResult;
  };
  const torchAvailable =
    !skip.has('torch') &&
    existsSync(PYTHON) &&
    (() => {
      try {
        execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
  const torch = (): Partial<Record<Workload, number>> =>
    JSON.parse(
      execFileSync(
        PYTHON,
        [fileURLToPath(new URL('training_torch.py', import.meta.url)), '2', String(steps), String(warmup), existsSync(IMAGES) ? IMAGES : ''],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      ).trim().split('\n').at(-1)!,
    ) as Partial<Record<Workload, number>>;

  const torchVersion = torchAvailable
    ? execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).trim()
    : 'not installed';
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} logical cores, Node ${process.version}`);
  console.log(`PyTorch: ${torchVersion} (${PYTHON}, 2 threads), OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}`);
  console.log(`batch ${BATCH}, Adam, ${steps} timed steps after ${warmup} warm-up steps, ${rounds} round(s); data: ${existsSync(IMAGES) ? 'Fashion-MNIST test images' : 'synthetic'}`);
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const defaultRuns: ChildResult[] = [];
  const torchRuns: Array<Partial<Record<Workload, number>>> = [];
  for (let round = 0; round < rounds; round++) {
    const leakSteps = round === 0 ? Number(args['leak-steps']) : 0;
    defaultRuns.push(node('default', { steps, warmup, leakSteps, budgetSeconds: 120 }));
    console.log(`round ${round + 1}/${rounds}, kd default: ${JSON.stringify(defaultRuns.at(-1)!.samplesPerSecond)}`);
    if (torchAvailable) {
      torchRuns.push(torch());
      console.log(`round ${round + 1}/${rounds}, PyTorch: ${JSON.stringify(torchRuns.at(-1))}`);
    }
    console.log(`load average ${loadavg()[0]!.toFixed(2)}`);
  }
  const others: Array<[Config, ChildResult]> = [];
  for (const config of ['wasm-1-thread', 'stock-wasm', 'stock-cpu'] as const) {
    if (skip.has(config.replace(/^stock-/, '')) || skip.has(config)) continue;
    const slow = config === 'stock-cpu';
    const budgetSeconds = Number(args['budget-seconds']);
    others.push([
      config,
      node(config, { steps: Math.min(steps, 10), warmup: slow ? 1 : warmup, leakSteps: 0, budgetSeconds }),
    ]);
  }

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  };
  const numbers = (runs: Array<Partial<Record<Workload, number | string>>>, w: Workload) =>
    runs.map((r) => r[w]).filter((v): v is number => typeof v === 'number');
  const cell = (runs: Array<Partial<Record<Workload, number | string>>>, w: Workload) => {
    const values = numbers(runs, w);
    if (values.length === 0) return String(runs[0]?.[w] ?? 'n/a');
    const range = values.length > 1 ? ` (${Math.round(Math.min(...values))}-${Math.round(Math.max(...values))})` : '';
    return `${Math.round(median(values))}${range}`;
  };

  console.log(`\nsamples/s, median of rounds (min-max); default backend: ${defaultRuns[0]!.backend}\n`);
  const header = ['workload', `kd default`, ...(torchAvailable ? ['PyTorch', 'default / PyTorch'] : []), ...others.map(([c]) => c)];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const w of workloads) {
    const ours = numbers(defaultRuns.map((r) => r.samplesPerSecond), w);
    const theirs = numbers(torchRuns, w);
    const ratio = ours.length && theirs.length ? `${(median(ours) / median(theirs)).toFixed(2)}x` : 'n/a';
    const row = [
      descriptions[w],
      cell(defaultRuns.map((r) => r.samplesPerSecond), w),
      ...(torchAvailable ? [cell(torchRuns, w), ratio] : []),
      ...others.map(([, r]) => cell([r.samplesPerSecond], w)),
    ];
    console.log(`| ${row.join(' | ')} |`);
  }
  for (const [config, r] of others) console.log(`${config}: ${configs[config]} -> ${r.backend}`);
  const counts = defaultRuns[0]!.tensorCounts;
  if (counts) {
    console.log(`\ntensors in use during distillation steps on the default backend: ${counts.map(([s, n]) => `after ${s}: ${n}`).join(', ')}`);
    console.log(counts.every(([, n]) => n === counts[0]![1]) ? 'tensor count is flat' : 'TENSOR COUNT GROWS');
  }
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}
