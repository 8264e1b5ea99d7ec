// Training throughput of the paper's MNIST workloads: kd's default backend (what useBackend('auto')
// picks: the native kernels where they load) against PyTorch from Debian twice, on the machine's
// default BLAS and on the fastest BLAS it has, alternating round by round; then kd's other
// backends once. Prints numbers; asserts nothing.
//
//   npm run bench                       full run (about 10 minutes on 2 cores)
//   npm run bench -- --rounds 1 --steps 10 --leak-steps 50 --skip stock-cpu     a quick look
//   --skip NAME (repeatable): torch-default, torch-fastest, kd-wasm, stock-wasm, stock-cpu
//
// Only idle cores give fair ratios: other work slows the two sides unevenly (a BLAS thread pool
// that spins loses more than one that sleeps). So the run records the load average before and
// after every round, and measures from /proc/stat how much CPU time processes other than the
// benchmarked one (and this script) took while it ran; a round where others took more than 5 % of
// one core is marked busy, and the summary says whether every round was idle. Stop other jobs first.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';

const BATCH = 128;
const TEMPERATURE = 20;
const SOFT_WEIGHT = 0.9;
const HARD_WEIGHT = 0.1;
const THREADS = 2;
const IMAGES = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
const PYTHON = '/usr/bin/python3';
const OPENMP_BLAS = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
/** Others' CPU time during a round, in cores, above which the round is marked busy. */
const BUSY = 0.05;

const workloads = ['teacher', 'student', 'distillation', 'cnn'] as const;
type Workload = (typeof workloads)[number];
const descriptions: Record<Workload, string> = {
  teacher: 'teacher MLP 784-1200-1200-10, train step',
  student: 'student MLP 784-800-800-10, train step',
  distillation: 'distillation step (frozen 1200-1200 teacher + 800-800 student, T = 20)',
  cnn: 'CNN conv32-pool-conv64-pool-128-10, train step',
};

/** Multiply-adds x 2 per example of the matrix products and convolutions (forward and backward). */
function flopsPerExample(workload: Workload): number {
  const mlpTrain = (h: number) => {
    const layers = [784 * h, h * h, h * 10];
    // Forward, the weight gradients, and the input gradients of every layer but the first.
    return 2 * (2 * layers.reduce((a, b) => a + b) + layers[1]! + layers[2]!);
  };
  const mlpForward = (h: number) => 2 * (784 * h + h * h + h * 10);
  const conv1 = 28 * 28 * 32 * 9 * 1;
  const conv2 = 14 * 14 * 64 * 9 * 32;
  const dense = 3136 * 128 + 128 * 10;
  switch (workload) {
    case 'teacher':
      return mlpTrain(1200);
    case 'student':
      return mlpTrain(800);
    case 'distillation':
      return mlpForward(1200) + mlpTrain(800);
    case 'cnn':
      // The first convolution needs no input gradient.
      return 2 * (2 * conv1 + 3 * conv2 + 3 * dense);
  }
}

/** The backends a child process can run. `default` is whatever `useBackend()` picks. */
const configs = {
  default: "kd default: useBackend('auto')",
  'kd-wasm': "kd wasm: useBackend('wasm'), 2 threads",
  'stock-wasm': 'tfjs wasm as shipped',
  'stock-cpu': 'tfjs cpu as shipped',
} as const;
type Config = keyof typeof configs;

const { values: args } = parseArgs({
  options: {
    child: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '10' },
    'leak-steps': { type: 'string', default: '1000' },
    skip: { type: 'string', multiple: true, default: [] },
    'budget-seconds': { type: 'string', default: '30' },
  },
});

type Rates = Partial<Record<Workload, number | string>>;
interface ChildResult {
  backend: string;
  samplesPerSecond: Rates;
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
  const { createOptimizer } = await import('@kd/trainer');
  let backend: string;
  if (config === 'stock-wasm' || config === 'stock-cpu') {
    await import(config === 'stock-wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs-backend-cpu');
    await tf.setBackend(config === 'stock-wasm' ? 'wasm' : 'cpu');
    backend = tf.getBackend();
  } else {
    const { useBackend } = await import('@kd/backend');
    const info = await useBackend(config === 'kd-wasm' ? 'wasm' : 'auto', { threads: THREADS });
    const native = info.native ? `, ${info.native.library} ${info.native.version} ${info.native.isa}` : '';
    backend = `${info.kind} (${info.threads} threads${info.simd ? ', SIMD' : ''}${native})`;
  }

  const images = existsSync(IMAGES)
    ? Float32Array.from(gunzipSync(readFileSync(IMAGES)).subarray(16, 16 + 8 * BATCH * 784), (v) => v / 255)
    : Float32Array.from({ length: 8 * BATCH * 784 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const xs = Array.from({ length: 8 }, (_, b) =>
    tf.tensor2d(images.subarray(b * BATCH * 784, (b + 1) * BATCH * 784), [BATCH, 784]),
  );
  const ys = Array.from({ length: 8 }, (_, b) =>
    tf.tidy(() =>
      tf.cast(
        tf.oneHot(
          tf.tensor1d(
            Array.from({ length: BATCH }, (_, i) => (b * BATCH + i) % 10),
            'int32',
          ),
          10,
        ),
        'float32',
      ),
    ),
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
  // kd's Adam (tfjs's, fused where the backend has the kernel), as kd's trainer builds it.
  const adam = () => createOptimizer({ kind: 'adam', learningRate: 1e-3 });

  const supervised = (model: Model) => {
    const optimizer = adam();
    return (x: Tensor, y: Tensor) =>
      optimizer.minimize(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as Tensor) as never,
        true,
      )!;
  };
  const distillation = (teacher: Model, student: Model) => {
    const optimizer = adam();
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
  const samplesPerSecond: Rates = {};
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

/** Busy CPU time of the whole machine so far, in seconds (from /proc/stat; time stolen by the hypervisor apart). */
function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq] = fields;
  return (user! + nice! + system! + irq! + softirq!) / 100;
}

/**
 * CPU time of this process and of its children that have ended, in seconds (from /proc/self/stat):
 * a side's child process, with every thread and process it started, counts once it exits.
 */
function ownAndChildrenSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  // utime, stime, cutime, cstime are fields 14-17 of stat(5), here 11-14 counted from 0 after the name.
  return (fields[11]! + fields[12]! + fields[13]! + fields[14]!) / 100;
}

interface Round {
  label: string;
  rates: Rates;
  load: [number, number];
  /** CPU time taken by other processes while this side ran, in cores on average. */
  others: number;
  details?: string;
}

/** Runs `side` (a child process) and measures what else the machine did meanwhile. */
function measured(label: string, side: () => { rates: Rates; details?: string }): Round {
  const loadBefore = loadavg()[0]!;
  const busyBefore = machineBusySeconds();
  const ownBefore = ownAndChildrenSeconds();
  const start = performance.now();
  const { rates, details } = side();
  const seconds = (performance.now() - start) / 1000;
  const others = Math.max(0, machineBusySeconds() - busyBefore - (ownAndChildrenSeconds() - ownBefore)) / seconds;
  const round: Round = { label, rates, load: [loadBefore, loadavg()[0]!], others, ...(details ? { details } : {}) };
  const rateText = workloads.map((w) => `${w} ${typeof rates[w] === 'number' ? Math.round(rates[w]) : rates[w]}`).join(', ');
  console.log(
    `${label}: ${rateText} | load ${round.load[0].toFixed(2)} -> ${round.load[1].toFixed(2)}, others ${(others * 100).toFixed(1)} % of a core${others > BUSY ? ' BUSY' : ''}`,
  );
  return round;
}

function peakGflops(): { gflops: number; isa: string } | undefined {
  const source = fileURLToPath(new URL('fma-peak.c', import.meta.url));
  const binary = join(mkdtempSync(join(tmpdir(), 'kd-bench-')), 'fma-peak');
  const built = spawnSync('cc', ['-O2', '-pthread', source, '-o', binary], { encoding: 'utf8' });
  if (built.status !== 0) return undefined;
  let best: { gflops: number; isa: string } | undefined;
  for (let i = 0; i < 5; i++) {
    const result = JSON.parse(execFileSync(binary, [String(THREADS)], { encoding: 'utf8' })) as { gflops: number; isa: string };
    if (!best || result.gflops > best.gflops) best = result;
  }
  return best;
}

async function orchestrate(): Promise<void> {
  const rounds = Number(args.rounds);
  const steps = Number(args.steps);
  const warmup = Number(args.warmup);
  const skip = new Set(args.skip);
  const script = fileURLToPath(import.meta.url);
  const node = (config: Config, options: { leakSteps: number; budgetSeconds: number; steps: number }): ChildResult => {
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
        String(warmup),
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
  const torchPresent =
    existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  const sides: Array<{ label: string; key: string; env: Record<string, string> }> = [
    { label: 'PyTorch, Debian default BLAS', key: 'torch-default', env: {} },
    { label: 'PyTorch, fastest BLAS here', key: 'torch-fastest', env: { LD_LIBRARY_PATH: OPENMP_BLAS } },
  ];
  const torchSides = sides.filter((side) => torchPresent && !skip.has(side.key) && (side.key !== 'torch-fastest' || existsSync(OPENMP_BLAS)));
  // Sides left out without --skip, and why: a table without them is not the README's comparison.
  const missing = sides
    .filter((side) => !skip.has(side.key) && !torchSides.includes(side))
    .map((side) =>
      torchPresent
        ? `${side.label}: not run, ${OPENMP_BLAS} is missing (apt-get install libopenblas0-openmp)`
        : `${side.label}: not run, ${PYTHON} cannot import torch (apt-get install python3-torch)`,
    );
  const torch = (env: Record<string, string>) => {
    const out = execFileSync(
      PYTHON,
      [fileURLToPath(new URL('training_torch.py', import.meta.url)), String(THREADS), String(steps), String(warmup), existsSync(IMAGES) ? IMAGES : ''],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
    );
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as {
      samplesPerSecond: Rates;
      blas: string;
      kernels: string;
      torch: string;
    };
    return {
      rates: result.samplesPerSecond,
      details: `PyTorch ${result.torch}, ${result.blas}${result.kernels ? ` (OpenBLAS kernels: ${result.kernels})` : ''}`,
    };
  };

  const model = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`machine: ${model}, ${cpus().length} logical cores, Node ${process.version}; ${THREADS} threads on every side`);
  console.log(`OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}`);
  console.log(
    `batch ${BATCH}, Adam, ${steps} timed steps after ${warmup} warm-up steps, ${rounds} round(s); data: ${existsSync(IMAGES) ? 'Fashion-MNIST test images' : 'synthetic'}`,
  );
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (const line of missing) console.log(line);
  const peak = peakGflops();
  console.log(peak ? `fp32 peak of ${THREADS} cores (${peak.isa} FMA, measured): ${peak.gflops.toFixed(0)} GFLOP/s` : 'fp32 peak: not measured (no C compiler)');

  const kd: Round[] = [];
  const torchRounds: Round[][] = torchSides.map(() => []);
  let leak: ChildResult['tensorCounts'];
  let kdBackend = '';
  for (let round = 0; round < rounds; round++) {
    kd.push(
      measured(`round ${round + 1} kd default`, () => {
        const result = node('default', { steps, leakSteps: 0, budgetSeconds: 120 });
        kdBackend = result.backend;
        return { rates: result.samplesPerSecond };
      }),
    );
    torchSides.forEach((side, i) => torchRounds[i]!.push(measured(`round ${round + 1} ${side.label}`, () => torch(side.env))));
  }
  if (Number(args['leak-steps']) > 0) {
    leak = node('default', { steps: 1, leakSteps: Number(args['leak-steps']), budgetSeconds: 120 }).tensorCounts;
  }
  const others: Array<[Config, Round]> = [];
  for (const config of ['kd-wasm', 'stock-wasm', 'stock-cpu'] as const) {
    if (skip.has(config)) continue;
    const slow = config === 'stock-cpu';
    others.push([
      config,
      measured(configs[config], () => {
        const result = node(config, { steps: Math.min(steps, slow ? 3 : 20), leakSteps: 0, budgetSeconds: Number(args['budget-seconds']) });
        return { rates: result.samplesPerSecond };
      }),
    ]);
  }

  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  };
  const numbers = (runs: Round[], w: Workload) =>
    runs.map((r) => r.rates[w]).filter((v): v is number => typeof v === 'number');
  const cell = (runs: Round[], w: Workload) => {
    const values = numbers(runs, w);
    if (values.length === 0) return String(runs[0]?.rates[w] ?? 'n/a');
    const range = values.length > 1 ? ` (${Math.round(Math.min(...values))}-${Math.round(Math.max(...values))})` : '';
    return `${Math.round(median(values)).toLocaleString('en-US')}${range}`;
  };
  const gflops = (runs: Round[], w: Workload) => {
    const values = numbers(runs, w);
    if (values.length === 0) return 'n/a';
    const g = (median(values) * flopsPerExample(w)) / 1e9;
    return `${g.toFixed(0)}${peak ? ` (${((100 * g) / peak.gflops).toFixed(0)} %)` : ''}`;
  };

  console.log(`\nsamples/s, median of ${rounds} round(s) (min-max); kd default: ${kdBackend}`);
  torchSides.forEach((side, i) => {
    const details = torchRounds[i]![0]!.details ?? '';
    const other = details.includes('OpenBLAS kernels') ? '' : '; not OpenBLAS, so not the comparison bench/RESULTS.md records (apt-get install libopenblas0-pthread)';
    console.log(`${side.label}: ${details}${other}`);
  });
  const header = [
    'workload',
    'kd default',
    ...torchSides.flatMap((side) => [side.label, 'kd / it']),
    `kd GFLOP/s (% of peak)`,
    ...torchSides.map((side) => `${side.label.replace('PyTorch, ', 'PyTorch ')} GFLOP/s`),
    ...others.map(([c]) => c),
  ];
  console.log(`\n| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const w of workloads) {
    const ours = numbers(kd, w);
    const row = [
      descriptions[w],
      cell(kd, w),
      ...torchSides.flatMap((_, i) => {
        const theirs = numbers(torchRounds[i]!, w);
        const ratio = ours.length && theirs.length ? `${(median(ours) / median(theirs)).toFixed(2)}x` : 'n/a';
        return [cell(torchRounds[i]!, w), ratio];
      }),
      gflops(kd, w),
      ...torchSides.map((_, i) => gflops(torchRounds[i]!, w)),
      ...others.map(([, r]) => cell([r], w)),
    ];
    console.log(`| ${row.join(' | ')} |`);
  }
  for (const [config, r] of others) console.log(`${config}: ${configs[config]}${r.others > BUSY ? ' (BUSY)' : ''}`);
  if (leak) {
    console.log(`\ntensors in use during distillation steps on kd default: ${leak.map(([s, n]) => `after ${s}: ${n}`).join(', ')}`);
    console.log(leak.every(([, n]) => n === leak![0]![1]) ? 'tensor count is flat' : 'TENSOR COUNT GROWS');
  }
  const all = [...kd, ...torchRounds.flat()];
  const busy = all.filter((r) => r.others > BUSY);
  console.log(
    busy.length === 0
      ? `every alternating round ran on idle cores (others took at most ${(100 * Math.max(...all.map((r) => r.others))).toFixed(1)} % of a core)`
      : `NOT IDLE: ${busy.length} of ${all.length} alternating rounds had other work on the cores (${busy.map((r) => r.label).join('; ')}); do not quote this run`,
  );
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}
