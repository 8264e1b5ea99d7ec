// The probe of issue 13: kd used as a careful user would, case by case, each in its own `kd`
// process on the cpu backend, as a user runs it. Categories: usage, config, data, model folders,
// checkpoints, kills (SIGKILL at every file write of a run, then resume), concurrency, numerics,
// memory and paths. Each case says whether kd handled it: a usage error exits 2 with one line; a
// refused input exits 1 with one line (no stack trace) naming its key or file and value, before
// anything trains and without leaving a run folder; a killed run resumes to the same bytes as an
// uninterrupted one, with every epoch logged once. Prints the table the README of @kd/cli holds,
// and exits 1 if a case was not handled.
//
//   npm run probe -w packages/cli              # everything: about 25 minutes on 2 cores
//   KD_PROBE_KILLS=10 npm run probe -w packages/cli   # every 10th kill point only
//   KD_PROBE_ONLY=paths npm run probe -w packages/cli # one category
import * as tf from '@tensorflow/tfjs-core';
// oxlint-disable-next-line import/no-unassigned-import -- registers the backend with tfjs
import '@tensorflow/tfjs-backend-cpu';
// oxlint-disable-next-line import/no-unassigned-import -- registers the gradients with tfjs
import '@tensorflow/tfjs-layers';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '@kd/core';
import { fileSystem, folderLockFile, lockFolder } from '@kd/core/node';
import { layersModelTeacher } from '@kd/ensemble';
import { buildModel, createDistiller, trainModel } from '@kd/trainer';
import type { FitOptions } from '@kd/trainer';
import { checkpoints, jsonlLogger } from '@kd/trainer/node';
import { blobs } from '../../../test/datasets';
import { deadPid } from '../../../test/dead-pid';
import { encodeIdx, writeDigitsIdx } from '../../../test/idx-files';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const hook = fileURLToPath(new URL('./probe-write-hook.ts', import.meta.url));
const tsx = import.meta.resolve('tsx');
const killStride = Number(process.env.KD_PROBE_KILLS ?? 1);

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs `kd args` in `cwd` in its own process, on the cpu backend, with the write hook loaded. */
function kd(cwd: string, args: readonly string[], env: Record<string, string> = {}): Promise<Ran> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@kd/source', '--import', tsx, '--import', hook, cli, ...args], {
      cwd,
      env: { ...process.env, KD_DEBUG: '', KD_BACKEND: 'cpu', KD_THREADS: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 }));
  });
}

/** Why `ran` is not a clean refusal: exit `code`, one `kd: ` line matching `pattern`, no stack trace. */
function refusal(ran: Ran, pattern: RegExp, code = 1): string | undefined {
  const lines = ran.stderr.split('\n').filter((line) => line.startsWith('kd: '));
  if (ran.code !== code) return `exit ${ran.code ?? ran.signal}, expected ${code}: ${lines.at(-1) ?? ran.stderr.slice(-300)}`;
  if (lines.length !== 1) return `${lines.length} error lines`;
  if (/^\s+at /m.test(ran.stderr)) return 'a stack trace without --debug';
  if (!pattern.test(lines[0]!)) return `message ${JSON.stringify(lines[0])} does not match ${pattern}`;
  return undefined;
}

interface Case {
  category: string;
  name: string;
  check(): Promise<string | undefined>;
}

const cases: Case[] = [];
const add = (category: string, name: string, check: () => Promise<string | undefined>): void => void cases.push({ category, name, check });

const root = await mkdtemp(join(tmpdir(), 'kd-probe-'));
const digits = join(root, 'digits');
await writeDigitsIdx(digits, { from: 0, perClass: 20 }, { from: 20, perClass: 5 });
let folders = 0;
/** A fresh folder for one case, holding `files` (name to JSON value or text). */
async function workspace(files: Record<string, unknown> = {}): Promise<string> {
  const dir = join(root, `case-${++folders}`);
  await mkdir(dir);
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

// A small experiment that trains all three models in about three seconds.
const experiment = {
  seed: 1,
  output: 'run',
  data: { source: 'idx', dir: digits, validationFraction: 0.2 },
  teacher: { train: { epochs: 2, batchSize: 40, architecture: { type: 'mlp', hidden: [16] } } },
  student: { architecture: { type: 'mlp', hidden: [8] } },
  loss: { key: 'distillation', options: { temperature: 4, hardWeight: 0.1 } },
  training: { epochs: 2, batchSize: 40 },
  baseline: true,
};
type Experiment = typeof experiment & Record<string, unknown>;
const edit = (change: (config: Experiment) => object): object => change(structuredClone(experiment));

// --- usage ----------------------------------------------------------------------------------
const usage: Array<[string[], RegExp]> = [
  [['frobnicate'], /^kd: unknown command 'frobnicate'; commands are run, sweep, worker, eval, report \(see 'kd --help'\)$/],
  [['run'], /run.*\(see 'kd run --help'\)$/],
  [['run', 'x.json', '--bogus'], /--bogus.*\(see 'kd run --help'\)$/],
  [['run', 'x.json', '--backend', 'tpu'], /'--backend' must be one of .*got 'tpu'/],
  [['run', 'x.json', '--threads', '0'], /'--threads' must be an integer >= 1, got '0'/],
  [['sweep', 'x.json'], /needs --temperature, --soft-weight or both/],
  [['sweep', 'x.json', '--temperature', '0,1'], /'--temperature' values must be > 0 and <= 1000, got 0/],
  [['sweep', 'x.json', '--temperature', '4,1e30'], /'--temperature' values must be > 0 and <= 1000, got 1e\+30/],
  [['sweep', 'x.json', '--temperature', '2,2'], /'--temperature' lists 2 twice/],
  [['sweep', 'x.json', '--soft-weight', '1.5'], /'--soft-weight' values must be >= 0 and <= 1, got 1\.5/],
  [['sweep', 'x.json', '--temperature', '4', '--parallel', '0'], /'--parallel' must be an integer >= 1, got '0'/],
  [['sweep', 'x.json', '--temperature', '4', '--select', 'f1'], /'--select' must be one of .*got 'f1'/],
  [['eval', 'model'], /needs --data/],
  [['eval', 'model', '--data', 'mnist-digits', '--metrics', 'f1'], /'--metrics' takes names from .*got 'f1'/],
  [['eval', 'model', '--data', 'nowhere'], /'--data' must be an experiment \.json, 'mnist-digits' or a folder of IDX files, got 'nowhere'/],
  [['report', 'run', '--example', '0'], /'--example' must be an integer >= 1, got '0'/],
  [['report', 'run', '--temperatures', 'x'], /'--temperatures' must be a comma-separated list of numbers, got 'x'/],
];
for (const [args, pattern] of usage) {
  add('usage', `kd ${args.join(' ')}`, async () => refusal(await kd(await workspace(), args), pattern, 2));
}
add('usage', 'kd run missing.json --debug prints the stack (and only with --debug)', async () => {
  const ran = await kd(await workspace(), ['run', 'missing.json', '--debug']);
  return ran.code === 1 && /^\s+at /m.test(ran.stderr) ? undefined : `exit ${ran.code}, stack ${/^\s+at /m.test(ran.stderr)}`;
});

// --- config: refused with the key and value, and no run folder --------------------------------
const configs: Array<[string, unknown, RegExp]> = [
  ['a file that does not exist', undefined, /cannot read experiment config .*x\.json: no such file/],
  ['a file that is not JSON', '{"seed": 1,', /experiment config .*x\.json is not valid JSON/],
  ['a JSON array', '[]', /\(config\): expected an object, got an array/],
  ['an unknown key', edit((c) => ({ ...c, epoch: 3 })), /epoch: unknown key/],
  ['a misspelt loss option', edit((c) => ({ ...c, loss: { key: 'distillation', options: { temprature: 4 } } })), /loss\.options\.temprature: unknown key/],
  ['temperature -1', edit((c) => ({ ...c, loss: { key: 'distillation', options: { temperature: -1 } } })), /loss\.options\.temperature: expected a finite number in \(0, 1000\], got -1/],
  ['temperature 1e30', edit((c) => ({ ...c, loss: { key: 'distillation', options: { temperature: 1e30 } } })), /loss\.options\.temperature: expected a finite number in \(0, 1000\], got 1e\+30/],
  ['0 epochs', edit((c) => ({ ...c, training: { epochs: 0 } })), /training\.epochs: expected an integer >= 1, got 0/],
  ['validationFraction 0', edit((c) => ({ ...c, data: { ...c.data, validationFraction: 0 } })), /data\.validationFraction: expected a number in \(0, 1\), got 0/],
  ['testFraction 0', edit((c) => ({ ...c, data: { source: 'mnist-digits', testFraction: 0 } })), /data\.testFraction: expected a number in \(0, 1\), got 0/],
  ['a negative learning rate', edit((c) => ({ ...c, training: { ...c.training, optimizer: { kind: 'adam', learningRate: -0.001 } } })), /training\.optimizer\.learningRate: expected a finite number >= 0, got -0\.001/],
  [
    "a teacher's learning rate schedule that goes below 0",
    edit((c) => ({ ...c, teacher: { train: { ...c.teacher.train, epochs: 4, optimizer: { kind: 'sgd', learningRate: { kind: 'linear', from: 0.1, to: -0.1, epochs: 3 } } } } })),
    /teacher\.train\.optimizer\.learningRate: must stay >= 0 in every epoch, got -0\.0333.* in epoch 3/,
  ],
  [
    'a temperature schedule that passes 1000',
    edit((c) => ({ ...c, training: { ...c.training, epochs: 8, schedules: { temperature: { kind: 'exponential', initial: 20, decay: 2 } } } })),
    /training\.schedules\.temperature: must stay in \(0, 1000\] in every epoch, got 1280 in epoch 7/,
  ],
  ['a schedule of an option the loss lacks', edit((c) => ({ ...c, training: { ...c.training, schedules: { nckdWeight: 8 } } })), /training\.schedules\.nckdWeight: loss 'distillation' has no option 'nckdWeight'/],
  ["'agreement' for the teacher", edit((c) => ({ ...c, teacher: { train: { ...c.teacher.train, metrics: ['agreement'] } } })), /teacher\.train\.metrics: 'agreement' compares a model with its teacher/],
  ["early stopping on 'agreement' with a baseline", edit((c) => ({ ...c, training: { ...c.training, earlyStopping: { metric: 'agreement', patience: 2 } } })), /training\.earlyStopping\.metric: 'agreement' .* the baseline/],
  ['a divergence guard that would always fire', edit((c) => ({ ...c, training: { ...c.training, divergence: { lossFactor: 1 } } })), /training\.divergence\.lossFactor: expected a finite number > 1, got 1/],
  ['a negative class to omit', edit((c) => ({ ...c, data: { ...c.data, omitClasses: [-1] } })), /data\.omitClasses\[0\]: expected an integer >= 0, got -1/],
  ['a layer of 0 units', edit((c) => ({ ...c, student: { architecture: { type: 'mlp', hidden: [0] } } })), /student\.architecture\.hidden\[0\]: expected an integer >= 1, got 0/],
  ['a teacher of three shapes at once', edit((c) => ({ ...c, teacher: { path: 'x', train: c.teacher.train } })), /teacher: expected one of \{ train: \{\.\.\.\} \}, \{ path \} or \{ ensemble: \[paths\] \}/],
];
for (const [name, content, pattern] of configs) {
  add('config', name, async () => {
    const dir = await workspace(content === undefined ? {} : { 'x.json': content });
    return refusal(await kd(dir, ['run', 'x.json']), pattern) ?? (existsSync(join(dir, 'run')) ? 'left a run folder' : undefined);
  });
}

// --- data --------------------------------------------------------------------------------------
/** An MNIST-format folder of `train` and `test` 28x28 images, labels i % 10 (or `labels`). */
async function idxFolder(dir: string, train: number, test: number, labels?: number[]): Promise<string> {
  const folder = join(dir, 'idx');
  await mkdir(folder);
  for (const [prefix, n] of [['train', train], ['t10k', test]] as const) {
    await writeFile(join(folder, `${prefix}-images-idx3-ubyte`), encodeIdx('uint8', [n, 28, 28], new Uint8Array(n * 784).map((_, i) => (i * 37) % 256)));
    await writeFile(join(folder, `${prefix}-labels-idx1-ubyte`), encodeIdx('uint8', [labels?.length ?? n], labels ?? Array.from({ length: n }, (_, i) => i % 10)));
  }
  return folder;
}
const data: Array<[string, (dir: string) => Promise<object>, RegExp]> = [
  ['a validation fraction that rounds to no example', async () => edit((c) => ({ ...c, data: { ...c.data, validationFraction: 0.002 } })), /data\.validationFraction: 0\.002 of the 200 training examples is no validation example/],
  ['a validation fraction that leaves nothing to train on', async () => edit((c) => ({ ...c, data: { ...c.data, validationFraction: 0.999 } })), /data\.validationFraction: 0\.999 of the 200 training examples leaves none to train on/],
  ['a transfer fraction that rounds to no example', async () => edit((c) => ({ ...c, data: { ...c.data, transferFraction: 0.001 } })), /data\.transferFraction: 0\.001 of the 160 training examples .* is no transfer example/],
  ['omitClasses covering every class', async () => edit((c) => ({ ...c, data: { ...c.data, omitClasses: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] } })), /data\.omitClasses: \[0, .*9\] leaves no transfer example: all 160 are of those classes/],
  ['an omitted class the data lacks', async () => edit((c) => ({ ...c, data: { ...c.data, omitClasses: [12] } })), /data\.omitClasses: 12 is not a class of the data \(0 to 9\)/],
  ['a data folder that does not exist', async () => edit((c) => ({ ...c, data: { source: 'idx', dir: 'nowhere' } })), /data\.dir: 'loadMnistStyle': '.*nowhere' has neither train-images-idx3-ubyte\.gz nor train-images-idx3-ubyte/],
  ['zero training examples', async (dir) => ({ ...experiment, data: { source: 'idx', dir: await idxFolder(dir, 0, 10) } }), /data\.dir: .*train-images-idx3-ubyte.* holds no training examples/],
  ['an empty test set', async (dir) => ({ ...experiment, data: { source: 'idx', dir: await idxFolder(dir, 100, 0) } }), /data\.dir: .*t10k-images-idx3-ubyte.* holds no test examples/],
  ['more images than labels', async (dir) => ({ ...experiment, data: { source: 'idx', dir: await idxFolder(dir, 100, 10, Array.from({ length: 90 }, (_, i) => i % 10)) } }), /data\.dir: .*idx.*(labels|images)/],
  ['a label past the classes', async (dir) => ({ ...experiment, data: { source: 'idx', dir: await idxFolder(dir, 100, 10, Array.from({ length: 100 }, (_, i) => (i === 7 ? 12 : i % 10))) } }), /data\.dir: .*train-labels-idx1-ubyte.*label 12 of example 7 is outside \[0, 10\)/],
  [
    'a cut-short images file',
    async (dir) => {
      const folder = await idxFolder(dir, 100, 10);
      const file = join(folder, 'train-images-idx3-ubyte');
      await writeFile(file, (await readFile(file)).subarray(0, 5000));
      return { ...experiment, data: { source: 'idx', dir: folder } };
    },
    /data\.dir: .*train-images-idx3-ubyte.*/,
  ],
];
for (const [name, config, pattern] of data) {
  add('data', name, async () => {
    const dir = await workspace();
    await writeFile(join(dir, 'x.json'), JSON.stringify(await config(dir)));
    return refusal(await kd(dir, ['run', 'x.json']), pattern) ?? (existsSync(join(dir, 'run')) ? 'left a run folder' : undefined);
  });
}

// --- model folders: a saved teacher (kd run) or a model to evaluate (kd eval) --------------------
let savedModel = '';
/** A copy of a saved model folder (the teacher of the reference run) to corrupt. */
async function modelCopy(dir: string): Promise<string> {
  const copy = join(dir, 'teacher');
  await cp(savedModel, copy, { recursive: true });
  return copy;
}
const patchModelJson = async (folder: string, change: (json: Record<string, unknown>) => unknown): Promise<void> => {
  const json = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(folder, 'model.json'), JSON.stringify(change(json)));
};
const models: Array<[string, (folder: string) => Promise<void>, RegExp]> = [
  ['a folder without model.json', (folder) => rm(join(folder, 'model.json')), /cannot read model file .*teacher\/model\.json: no such file/],
  ['model.json cut short', (folder) => writeFile(join(folder, 'model.json'), '{"modelTopology": {"class_n'), /model file .*teacher\/model\.json is not valid JSON/],
  ['model.json of an empty object', (folder) => writeFile(join(folder, 'model.json'), '{}'), /expected .*teacher\/model\.json to hold a model topology .*got undefined/],
  ['a null topology', (folder) => patchModelJson(folder, (json) => ({ ...json, modelTopology: null })), /expected .*teacher\/model\.json to hold a model topology .*got null/],
  ['an empty topology', (folder) => patchModelJson(folder, (json) => ({ ...json, modelTopology: {} })), /teacher\/model\.json to hold a model topology .*got an empty object/],
  [
    'a layer tfjs does not know',
    (folder) => patchModelJson(folder, (json) => ({ ...json, modelTopology: { class_name: 'Sequential', config: { layers: [{ class_name: 'Bogus', config: {} }] } } })),
    /teacher\.path: cannot load the model in .*teacher: Unknown layer: Bogus/,
  ],
  ['no weights manifest', (folder) => patchModelJson(folder, (json) => ({ ...json, weightsManifest: undefined })), /teacher\/model\.json to hold a weightsManifest/],
  ['weights.bin cut short', async (folder) => writeFile(join(folder, 'weights.bin'), (await readFile(join(folder, 'weights.bin'))).subarray(0, 100)), /weight files of .*teacher\/model\.json \(weights\.bin\) to hold the \d+ bytes its weightsManifest lists, got 100/],
  ['weights.bin missing', (folder) => rm(join(folder, 'weights.bin')), /cannot read weight file .*teacher\/weights\.bin that .*model\.json lists: no such file/],
  [
    'a model of other inputs',
    async (folder) => {
      const other = buildModel({ type: 'mlp', hidden: [4] }, { inputShape: [5, 2, 1], numClasses: 10 });
      await other.save(fileSystem(folder));
      other.dispose();
    },
    /data \(for the model of teacher\.path, .*teacher\): holds 28x28x1 images \(784 values each\), but the model takes \[batch, 5, 2, 1\]/,
  ],
  [
    'a model of other classes',
    async (folder) => {
      const other = buildModel({ type: 'mlp', hidden: [4] }, { inputShape: [28, 28, 1], numClasses: 3 });
      await other.save(fileSystem(folder));
      other.dispose();
    },
    /data \(for the model of teacher\.path, .*teacher\): has 10 classes, but the model outputs 3/,
  ],
];
for (const [name, corrupt, pattern] of models) {
  add('model folders', `kd run with teacher.path: ${name}`, async () => {
    const dir = await workspace({ 'x.json': { ...experiment, teacher: { path: 'teacher' } } });
    await corrupt(await modelCopy(dir));
    return refusal(await kd(dir, ['run', 'x.json']), pattern) ?? (existsSync(join(dir, 'run')) ? 'left a run folder' : undefined);
  });
}
add('model folders', 'kd eval of a model whose weights.bin is cut short', async () => {
  const dir = await workspace({ 'x.json': experiment });
  const folder = await modelCopy(dir);
  await writeFile(join(folder, 'weights.bin'), new Uint8Array(100));
  return refusal(await kd(dir, ['eval', 'teacher', '--data', 'x.json']), /kd eval <model>: cannot load the model in .*teacher: 'fileSystem' expected the weight files .* got 100/);
});

// --- the reference run, and checkpoints ---------------------------------------------------------
/** Runs `config` to the end in a fresh folder; its run folder and the writes it made. */
async function referenceRun(config: object): Promise<{ dir: string; out: string; writes: string[] }> {
  const dir = await workspace({ 'x.json': config });
  const list = join(dir, 'writes.txt');
  const ran = await kd(dir, ['run', 'x.json'], { KD_PROBE_WRITES: list });
  if (ran.code !== 0) throw new Error(`the reference run failed: ${ran.stderr.slice(-500)}`);
  return { dir, out: join(dir, 'run'), writes: (await readFile(list, 'utf8')).trimEnd().split('\n') };
}
const reference = await referenceRun(experiment);
savedModel = join(reference.out, 'teacher');

/** A copy of the finished reference run, to corrupt and resume. */
async function finishedRun(): Promise<string> {
  const dir = await workspace({ 'x.json': experiment });
  await cp(reference.out, join(dir, 'run'), { recursive: true });
  return dir;
}
const checkpointCases: Array<[string, (run: string) => Promise<void>, RegExp]> = [
  ['latest.json empty', (run) => writeFile(join(run, 'teacher-checkpoints', 'latest.json'), ''), /checkpoint pointer .*teacher-checkpoints\/latest\.json is not valid JSON/],
  ['latest.json naming a checkpoint that is gone', (run) => writeFile(join(run, 'teacher-checkpoints', 'latest.json'), '{"checkpoint":"checkpoint-000009"}'), /cannot read checkpoint state .*teacher-checkpoints\/checkpoint-000009\/state\.json: no such file/],
  ['state.json cut short', (run) => writeFile(join(run, 'student-checkpoints', 'checkpoint-000002', 'state.json'), '{"epoch":2,"st'), /checkpoint state .*student-checkpoints\/checkpoint-000002\/state\.json is not valid JSON/],
  ['state.json without its epoch', (run) => writeFile(join(run, 'student-checkpoints', 'checkpoint-000002', 'state.json'), '{"step":8}'), /student-checkpoints\/checkpoint-000002\/state\.json must hold the run's integer epoch and step >= 0/],
  ['optimizer.json not an object', (run) => writeFile(join(run, 'student-checkpoints', 'checkpoint-000002', 'optimizer.json'), '[]'), /optimizer\.json must hold the optimizer's \{ className, specs, scalars \}, got an array/],
  ['optimizer.bin cut short', async (run) => writeFile(join(run, 'baseline-checkpoints', 'checkpoint-000002', 'optimizer.bin'), new Uint8Array(12)), /expected .*baseline-checkpoints\/checkpoint-000002\/optimizer\.bin to hold the \d+ bytes .*optimizer\.json lists, got 12/],
  ['the weights of a checkpoint cut short', async (run) => writeFile(join(run, 'student-checkpoints', 'checkpoint-000002', 'weights.bin'), new Uint8Array(8)), /weight files of .*student-checkpoints\/checkpoint-000002\/model\.json \(weights\.bin\) to hold the \d+ bytes .* got 8/],
  [
    'a checkpoint of another run (another seed in its state)',
    async (run) => {
      const path = join(run, 'student-checkpoints', 'checkpoint-000002', 'state.json');
      const state = JSON.parse(await readFile(path, 'utf8'));
      await writeFile(path, JSON.stringify({ ...state, run: { ...state.run, seed: 7 } }));
    },
    /checkpoints\(\{ resume \}\) found a checkpoint of another run, .*student-checkpoints\/checkpoint-000002: seed: 7 there, 1 here/,
  ],
];
for (const [name, corrupt, pattern] of checkpointCases) {
  add('checkpoints', `kd run --resume: ${name}`, async () => {
    const dir = await finishedRun();
    await corrupt(join(dir, 'run'));
    return refusal(await kd(dir, ['run', 'x.json', '--resume']), pattern);
  });
}
add('checkpoints', 'kd run --resume removes the checkpoint-N.tmp-* folders a killed run left', async () => {
  const dir = await finishedRun();
  const abandoned = join(dir, 'run', 'student-checkpoints', `checkpoint-000003.tmp-${deadPid()}-1764000000000`);
  await mkdir(abandoned);
  const ran = await kd(dir, ['run', 'x.json', '--resume']);
  return ran.code !== 0 ? `exit ${ran.code}: ${ran.stderr.slice(-300)}` : existsSync(abandoned) ? 'the folder is still there' : undefined;
});
add('checkpoints', 'kd run --resume rewrites a log whose last line a kill cut short', async () => {
  const dir = await finishedRun();
  await appendFile(join(dir, 'run', 'student-log.jsonl'), '{"epoch":3,"lo');
  const ran = await kd(dir, ['run', 'x.json', '--resume']);
  const epochs = (await readFile(join(dir, 'run', 'student-log.jsonl'), 'utf8')).trimEnd().split('\n').map((line) => (JSON.parse(line) as { epoch: number }).epoch);
  return ran.code !== 0 ? `exit ${ran.code}` : epochs.join() !== '1,2' ? `log epochs ${epochs.join()}` : undefined;
});
add('checkpoints', 'kd report on a log whose last line a kill cut short: a warning, and the report', async () => {
  const dir = await finishedRun();
  await appendFile(join(dir, 'run', 'student-log.jsonl'), '{"epoch":3,"lo');
  const ran = await kd(dir, ['report', 'run']);
  return ran.code !== 0 ? `exit ${ran.code}: ${ran.stderr}` : /^kd report: warning: student training log .* line 3 is cut short/m.test(ran.stderr) ? undefined : 'no warning';
});
add('checkpoints', 'kd run --resume of another experiment (another seed and temperature): refused, nothing touched', async () => {
  const dir = await finishedRun();
  const before = await snapshot(join(dir, 'run'));
  await writeFile(join(dir, 'y.json'), JSON.stringify({ ...experiment, seed: 2, loss: { key: 'distillation', options: { temperature: 8, hardWeight: 0.1 } } }));
  const ran = await kd(dir, ['run', 'y.json', '--resume']);
  const refused = refusal(ran, /holds a run of another experiment: seed: 1 there, 2 here; loss\.options\.temperature: 4 there, 8 here/);
  return refused ?? (JSON.stringify(await snapshot(join(dir, 'run'))) === JSON.stringify(before) ? undefined : 'the run folder changed');
});
add('checkpoints', 'kd run without --resume into a folder that holds a run: refused', async () => {
  const dir = await finishedRun();
  return refusal(await kd(dir, ['run', 'x.json']), /the output folder .*run already holds a run: continue it with resume/);
});
add('checkpoints', 'kd run --resume into a folder that does not exist: refused, not created', async () => {
  const dir = await workspace({ 'x.json': experiment });
  return refusal(await kd(dir, ['run', 'x.json', '--resume']), /there is no run folder .*run to continue/) ?? (existsSync(join(dir, 'run')) ? 'created it' : undefined);
});

/** Every file under `dir` with its size and modification time. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries = (await readdir(dir, { recursive: true })).toSorted();
  const stats = await Promise.all(entries.map(async (entry) => [entry, await stat(join(dir, entry))] as const));
  return Object.fromEntries(stats.map(([entry, info]) => [entry, `${info.size} ${info.mtimeMs}`]));
}

// --- kills: SIGKILL before every file write of a run, then resume -------------------------------
const timeless = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (key, inner: unknown) => (key === 'seconds' || key === 'time' || key === 'output' || key === 'resumedFromEpoch' || key === 'history' ? undefined : inner)));

async function results(dir: string): Promise<string> {
  return JSON.stringify(timeless(JSON.parse(await readFile(join(dir, 'results.json'), 'utf8'))));
}

/** How a resumed run folder differs from the uninterrupted one, or undefined when it does not. */
async function differences(out: string, ref: string): Promise<string | undefined> {
  for (const file of ['teacher/weights.bin', 'teacher/model.json', 'student/weights.bin', 'student/model.json', 'baseline/weights.bin', 'predictions.json']) {
    if (existsSync(join(ref, file)) && !(await readFile(join(out, file))).equals(await readFile(join(ref, file)))) return `${file} differs`;
  }
  if ((await results(out)) !== (await results(ref))) return 'results.json differs';
  for (const role of ['teacher', 'student', 'baseline']) {
    const log = async (dir: string) => (await readFile(join(dir, `${role}-log.jsonl`), 'utf8')).trimEnd().split('\n').map((line) => JSON.stringify(timeless(JSON.parse(line))));
    if (!existsSync(join(ref, `${role}-log.jsonl`))) continue;
    const [got, want] = [await log(out), await log(ref)];
    if (got.join('\n') !== want.join('\n')) return `${role}-log.jsonl holds epochs ${got.map((line) => (JSON.parse(line) as { epoch: number }).epoch).join(',')}, not ${want.length} epochs once each as the uninterrupted run`;
  }
  const left = (await readdir(out, { recursive: true })).filter((entry) => /checkpoint-\d+\.tmp-|\.tmp$/.test(entry) || entry.endsWith(folderLockFile));
  return left.length > 0 ? `left ${left.join(', ')}` : undefined;
}

/** Resumes the run in `dir` (or starts it, when a kill came before its folder existed) until it ends. */
async function finish(dir: string, env: Record<string, string> = {}): Promise<Ran> {
  return kd(dir, ['run', 'x.json', ...(existsSync(join(dir, 'run')) ? ['--resume'] : [])], env);
}

const killExperiments: Array<[string, object]> = [
  ['every epoch checkpointed', experiment],
  ['checkpointEvery: 2, 3 epochs', edit((c) => ({ ...c, teacher: { train: { ...c.teacher.train, epochs: 1 } }, training: { ...c.training, epochs: 3, checkpointEvery: 2 }, baseline: false }))],
];
for (const [label, config] of killExperiments) {
  const ref = label === killExperiments[0]![0] ? reference : await referenceRun(config);
  ref.writes.forEach((write, i) => {
    if (i % killStride !== 0) return;
    add('kills', `${label}: SIGKILL before write ${i + 1} of ${ref.writes.length} (${write.replace(ref.dir, '.')}), then resume`, async () => {
      const dir = await workspace({ 'x.json': config });
      const killed = await kd(dir, ['run', 'x.json'], { KD_PROBE_KILL_AT: String(i + 1) });
      if (killed.signal !== 'SIGKILL') return `not killed (exit ${killed.code})`;
      const resumed = await finish(dir);
      if (resumed.code !== 0) return `the resumed run failed: ${resumed.stderr.split('\n').filter((l) => l.startsWith('kd: ')).join(' ')}`;
      return differences(join(dir, 'run'), ref.out);
    });
  });
}
add('kills', '15 SIGKILLs in a row on one run, each at a seeded write, then resume', async () => {
  const dir = await workspace({ 'x.json': experiment });
  const rng = createRng(13);
  let kills = 0;
  while (kills < 15) {
    const ran = await finish(dir, { KD_PROBE_KILL_AT: String(3 + rng.int(25)) });
    if (ran.signal === 'SIGKILL') kills++;
    else return `attempt ${kills + 1} was not killed (exit ${ran.code}): ${ran.stderr.slice(-300)}`;
  }
  const resumed = await finish(dir);
  return resumed.code !== 0 ? `the resumed run failed: ${resumed.stderr.slice(-300)}` : differences(join(dir, 'run'), reference.out);
});

// A teacher-cache build killed at each of its writes leaves the old cache, or none, or the whole new one.
const cacheBuild = fileURLToPath(new URL('./probe-cache-build.ts', import.meta.url));
/** Runs the cache build of `version` into `path`, with the write hook. */
function buildCache(path: string, version: string, env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@kd/source', '--import', tsx, '--import', hook, cacheBuild, path, version], { env: { ...process.env, ...env }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr: '', seconds: 0 }));
  });
}
const cacheDir = await workspace();
const cacheBytes: Record<string, Buffer> = {};
const cacheWrites = join(cacheDir, 'writes.txt');
for (const version of ['1', '2']) {
  await buildCache(join(cacheDir, `v${version}.safetensors`), version, version === '2' ? { KD_PROBE_WRITES: cacheWrites } : {});
  cacheBytes[version] = await readFile(join(cacheDir, `v${version}.safetensors`));
}
const cacheWriteCount = (await readFile(cacheWrites, 'utf8')).trimEnd().split('\n').length;
for (const old of [true, false]) {
  for (let at = 1; at <= cacheWriteCount; at++) {
    add('kills', `a teacher-cache build ${old ? 'over an old cache' : 'into no file'}: SIGKILL before write ${at} of ${cacheWriteCount}`, async () => {
      const dir = await workspace();
      const path = join(dir, 'teacher.safetensors');
      if (old) await writeFile(path, cacheBytes['1']!);
      const killed = await buildCache(path, '2', { KD_PROBE_KILL_AT: String(at) });
      if (killed.signal !== 'SIGKILL') return `not killed (exit ${killed.code})`;
      if (!existsSync(path)) return old ? 'the old cache is gone' : undefined;
      const left = await readFile(path);
      return left.equals(cacheBytes['2']!) || (old && left.equals(cacheBytes['1']!)) ? undefined : `${path} is neither the old cache nor the new one`;
    });
  }
}

// --- concurrency ------------------------------------------------------------------------------
// A teacher of 30 epochs keeps the first run writing while the second starts.
const longer = edit((c) => ({ ...c, teacher: { train: { ...c.teacher.train, epochs: 30 } } }));
add('concurrency', 'two kd run into one new folder at once: one runs, the other is refused at once', async () => {
  const dir = await workspace({ 'x.json': longer });
  const [a, b] = await Promise.all([kd(dir, ['run', 'x.json']), kd(dir, ['run', 'x.json'])]);
  const [winner, loser] = a.code === 0 ? [a, b] : [b, a];
  if (winner.code !== 0) return `neither finished: ${a.stderr.slice(-200)} / ${b.stderr.slice(-200)}`;
  // Both started together: the refused one must end while the other still trains, not wait for it.
  if (loser.seconds >= winner.seconds) return `the refused one ended after the other had finished (${loser.seconds.toFixed(1)} s against ${winner.seconds.toFixed(1)} s)`;
  const epochs = (await readFile(join(dir, 'run', 'teacher-log.jsonl'), 'utf8')).trimEnd().split('\n').map((line) => (JSON.parse(line) as { epoch: number }).epoch);
  const once = epochs.join() === Array.from({ length: 30 }, (_, i) => i + 1).join();
  return refusal(loser, /run folder .*run is in use: process \d+ \(since .*\) writes it, and a folder has one writer at a time/) ?? (once ? undefined : `teacher log epochs ${epochs.join()}`);
});
add('concurrency', 'kd run --resume while another kd run writes the folder: refused at once', async () => {
  const dir = await workspace({ 'x.json': experiment });
  await mkdir(join(dir, 'run'));
  const lock = await lockFolder(join(dir, 'run'));
  try {
    return refusal(await kd(dir, ['run', 'x.json', '--resume']), new RegExp(`run folder .*run is in use: process ${process.pid} `));
  } finally {
    await lock.release();
  }
});
add('concurrency', 'two kd sweep into one folder at once: one sweeps, the other is refused', async () => {
  const dir = await workspace({ 'x.json': experiment });
  const args = ['sweep', 'x.json', '--temperature', '2,4', '--parallel', '1', '--out', 'sweep'];
  const [a, b] = await Promise.all([kd(dir, args), kd(dir, args)]);
  const [winner, loser] = a.code === 0 ? [a, b] : [b, a];
  if (winner.code !== 0) return `neither finished: ${a.stderr.slice(-300)}`;
  return refusal(loser, /sweep folder .*sweep is in use: process \d+ /);
});
add('concurrency', "a lock left by a process that was SIGKILLed is taken over at once", async () => {
  const dir = await workspace({ 'x.json': experiment });
  await mkdir(join(dir, 'run'));
  await writeFile(join(dir, 'run', folderLockFile), JSON.stringify({ pid: deadPid(), host: hostname(), since: new Date().toISOString() }));
  const ran = await kd(dir, ['run', 'x.json', '--resume']);
  return ran.code !== 0 ? `exit ${ran.code}: ${ran.stderr.slice(-300)}` : differences(join(dir, 'run'), reference.out);
});
add('concurrency', 'a lock written on another host is not broken, and says where it is', async () => {
  const dir = await workspace({ 'x.json': experiment });
  await mkdir(join(dir, 'run'));
  await writeFile(join(dir, 'run', folderLockFile), JSON.stringify({ pid: 1, host: 'elsewhere', since: new Date().toISOString() }));
  return refusal(await kd(dir, ['run', 'x.json', '--resume']), /is in use: process 1 on elsewhere .* or if no kd runs there, delete .*\.kd-lock/);
});

// --- numerics -----------------------------------------------------------------------------------
add('numerics', 'a learning rate of 1e6: the divergence guard stops the teacher (it trained to a loss of 5e10 and exited 0)', async () => {
  const dir = await workspace({ 'x.json': edit((c) => ({ ...c, teacher: { train: { ...c.teacher.train, optimizer: { kind: 'sgd', learningRate: 1e6 } } } })) });
  return refusal(await kd(dir, ['run', 'x.json']), /'trainModel': training diverged (in epoch 1: its mean loss, .* is more than 100 times the loss of the first step|at step)/);
});
add('numerics', 'the same with "divergence": false: trains to the end, as asked', async () => {
  const dir = await workspace({ 'x.json': edit((c) => ({ ...c, teacher: { train: { ...c.teacher.train, divergence: false, optimizer: { kind: 'sgd', learningRate: 1e6 } } } })) });
  const ran = await kd(dir, ['run', 'x.json']);
  return ran.code === 0 || /training diverged at step/.test(ran.stderr) ? undefined : `exit ${ran.code}: ${ran.stderr.slice(-300)}`;
});
add('numerics', 'a softWeight of 1e39: the loss overflows float32, and the NaN guard stops at step 1 before any weight changes', async () => {
  const dir = await workspace({ 'x.json': edit((c) => ({ ...c, loss: { key: 'distillation', options: { temperature: 4, softWeight: 1e39 } } })) });
  return refusal(await kd(dir, ['run', 'x.json']), /'Distiller\.fit': training diverged at step 1 \(epoch 1, batch 1\): the loss term '(total|soft)' is (Infinity|NaN); the weights were not updated/);
});
add('numerics', 'the highest temperature, 1000: trains with finite losses', async () => {
  const dir = await workspace({ 'x.json': edit((c) => ({ ...c, loss: { key: 'distillation', options: { temperature: 1000, hardWeight: 0.1 } } })) });
  const ran = await kd(dir, ['run', 'x.json']);
  if (ran.code !== 0) return `exit ${ran.code}: ${ran.stderr.slice(-300)}`;
  const log = (await readFile(join(dir, 'run', 'student-log.jsonl'), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as { loss: Record<string, number> });
  return log.every((record) => Object.values(record.loss).every(Number.isFinite)) ? undefined : 'a loss is not finite';
});
add('numerics', 'a temperature of 1000.5: refused before anything trains', async () => {
  const dir = await workspace({ 'x.json': edit((c) => ({ ...c, loss: { key: 'distillation', options: { temperature: 1000.5 } } })) });
  return refusal(await kd(dir, ['run', 'x.json']), /loss\.options\.temperature: expected a finite number in \(0, 1000\], got 1000\.5/);
});
add('numerics', 'a temperature schedule from 1 to 1000: trains with finite losses', async () => {
  const dir = await workspace({ 'x.json': edit((c) => ({ ...c, training: { ...c.training, schedules: { temperature: { kind: 'linear', from: 1, to: 1000, epochs: 1 } } } })) });
  const ran = await kd(dir, ['run', 'x.json']);
  return ran.code === 0 ? undefined : `exit ${ran.code}: ${ran.stderr.slice(-300)}`;
});

// --- memory: tensors and resident memory flat over 12,000 steps ---------------------------------
async function flatOver(name: string, fit: (options: FitOptions) => Promise<unknown>): Promise<string | undefined> {
  const dir = await workspace();
  const tensors: number[] = [];
  const rss: number[] = [];
  await fit({
    epochs: 1200,
    batchSize: 10,
    validation: blobs(30, 2),
    progress: false,
    optimizer: { kind: 'adam', learningRate: 0.001 },
    callbacks: [
      checkpoints({ dir: join(dir, 'checkpoints'), every: 100 }),
      jsonlLogger(join(dir, 'log.jsonl')),
      {
        onEpochEnd(record) {
          tensors.push(tf.memory().numTensors);
          if (record.epoch % 100 === 0) rss.push(process.memoryUsage().rss / 2 ** 20);
        },
      },
    ],
  });
  const steps = 1200 * 10;
  const grew = rss.at(-1)! - rss[1]!;
  memoryNotes.push(`${name}: ${steps} steps, ${tensors[0]} tensors after every epoch, resident memory ${rss[1]!.toFixed(0)} MiB after 2,000 steps and ${rss.at(-1)!.toFixed(0)} MiB after ${steps}`);
  if (new Set(tensors).size !== 1) return `tensors went from ${tensors[0]} to ${Math.max(...tensors)}`;
  return grew > 40 ? `resident memory grew ${grew.toFixed(0)} MiB` : undefined;
}
const memoryNotes: string[] = [];
add('memory', 'trainModel, 12,000 steps with validation, checkpoints and logs', async () => {
  await tf.setBackend('cpu');
  const model = buildModel({ type: 'mlp', hidden: [16] }, { inputShape: [6, 6, 1], numClasses: 3, seed: 1 });
  try {
    return await flatOver('trainModel', (options) => trainModel(model, blobs(100, 1), options));
  } finally {
    model.dispose();
  }
});
add('memory', 'Distiller.fit, 12,000 steps with a live (trained) teacher, validation, checkpoints and logs', async () => {
  await tf.setBackend('cpu');
  const teacherModel = buildModel({ type: 'mlp', hidden: [16] }, { inputShape: [6, 6, 1], numClasses: 3, seed: 2 });
  const student = buildModel({ type: 'mlp', hidden: [8] }, { inputShape: [6, 6, 1], numClasses: 3, seed: 3 });
  try {
    await trainModel(teacherModel, blobs(100, 1), { epochs: 20, batchSize: 10, progress: false });
    const distiller = createDistiller({ teacher: layersModelTeacher(teacherModel), student, loss: { key: 'distillation', options: { temperature: 4, hardWeight: 0.1 } } });
    return await flatOver('Distiller.fit', (options) => distiller.fit(blobs(100, 1), options));
  } finally {
    teacherModel.dispose();
    student.dispose();
  }
});

// --- paths --------------------------------------------------------------------------------------
/** The writes of `kd args` that land outside `inside`. */
async function writesOutside(dir: string, args: string[], inside: string): Promise<string | undefined> {
  const list = join(dir, 'writes.txt');
  const ran = await kd(dir, args, { KD_PROBE_WRITES: list });
  if (ran.code !== 0) return `exit ${ran.code}: ${ran.stderr.slice(-300)}`;
  const writes = existsSync(list) ? (await readFile(list, 'utf8')).trimEnd().split('\n').filter(Boolean) : [];
  const outside = writes.filter((write) => !write.slice(write.indexOf(' ') + 1).startsWith(`${inside}/`) && write.slice(write.indexOf(' ') + 1) !== inside);
  return outside.length > 0 ? `writes outside ${inside}: ${outside.slice(0, 3).join('; ')}` : undefined;
}
add('paths', 'kd run writes only inside its run folder', async () => {
  const outside = reference.writes.filter((write) => !write.includes(`${reference.out}/`) && !write.endsWith(reference.out));
  return outside.length > 0 ? `writes outside: ${outside.slice(0, 3).join('; ')}` : undefined;
});
add('paths', 'kd sweep (and the kd run of each cell) writes only inside its sweep folder', async () => {
  const dir = await workspace({ 'x.json': experiment });
  return writesOutside(dir, ['sweep', 'x.json', '--temperature', '2,4', '--parallel', '1', '--out', 'sweep'], join(dir, 'sweep'));
});
add('paths', 'kd report writes only its report', async () => {
  const dir = await finishedRun();
  const list = join(dir, 'writes.txt');
  const ran = await kd(dir, ['report', 'run'], { KD_PROBE_WRITES: list });
  const writes = (await readFile(list, 'utf8')).trimEnd().split('\n');
  return ran.code !== 0 ? `exit ${ran.code}` : writes.every((write) => write.endsWith(join(dir, 'run', 'report.html'))) ? undefined : `writes ${writes.join('; ')}`;
});
add('paths', 'kd eval writes nothing', async () => {
  const dir = await finishedRun();
  const list = join(dir, 'writes.txt');
  const ran = await kd(dir, ['eval', 'run/student', '--data', 'x.json'], { KD_PROBE_WRITES: list });
  const writes = (await readFile(list, 'utf8')).trim();
  return ran.code !== 0 ? `exit ${ran.code}: ${ran.stderr.slice(-300)}` : writes === '' ? undefined : `writes ${writes}`;
});
const escapes: Array<[string, string, RegExp]> = [
  ['a weights manifest naming ../../../../etc/hostname', '../../../../etc/hostname', /'fileSystem' refuses weight path '\.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname' in .*teacher\/model\.json: it leaves the model folder/],
  ['a weights manifest naming /etc/hostname', '/etc/hostname', /'fileSystem' refuses weight path '\/etc\/hostname' in .*teacher\/model\.json: it leaves the model folder/],
];
for (const [name, path, pattern] of escapes) {
  add('paths', `kd run with teacher.path: ${name}`, async () => {
    const dir = await workspace({ 'x.json': { ...experiment, teacher: { path: 'teacher' } } });
    const folder = await modelCopy(dir);
    await patchModelJson(folder, (json) => ({ ...json, weightsManifest: (json.weightsManifest as Array<Record<string, unknown>>).map((group) => ({ ...group, paths: [path] })) }));
    return refusal(await kd(dir, ['run', 'x.json']), pattern);
  });
}
for (const target of ['../../../../etc', '/etc']) {
  add('paths', `kd run --resume with a latest.json naming ${target}`, async () => {
    const dir = await finishedRun();
    await writeFile(join(dir, 'run', 'teacher-checkpoints', 'latest.json'), JSON.stringify({ checkpoint: target }));
    return refusal(
      await kd(dir, ['run', 'x.json', '--resume']),
      new RegExp(`'latestCheckpoint': .*teacher-checkpoints/latest\\.json must name a checkpoint folder of .*teacher-checkpoints \\(\\{ "checkpoint": "checkpoint-<epoch>" \\}\\), got '${target.replaceAll('.', '\\.')}'`),
    );
  });
}

// --- run them ---------------------------------------------------------------------------------
const only = process.env.KD_PROBE_ONLY;
if (only !== undefined) cases.splice(0, cases.length, ...cases.filter((probe) => probe.category === only));
const started = performance.now();
const failures: string[] = [];
const counts = new Map<string, { cases: number; handled: number }>();
for (const [i, probe] of cases.entries()) {
  let problem: string | undefined;
  try {
    problem = await probe.check();
  } catch (error) {
    problem = `the probe failed: ${(error as Error).message}`;
  }
  const count = counts.get(probe.category) ?? { cases: 0, handled: 0 };
  counts.set(probe.category, { cases: count.cases + 1, handled: count.handled + (problem === undefined ? 1 : 0) });
  if (problem !== undefined) failures.push(`${probe.category} / ${probe.name}: ${problem}`);
  process.stderr.write(`[${i + 1}/${cases.length}] ${problem === undefined ? 'ok  ' : 'FAIL'} ${probe.category}: ${probe.name}${problem ? `: ${problem}` : ''}\n`);
}
const total = [...counts.values()].reduce((sum, c) => ({ cases: sum.cases + c.cases, handled: sum.handled + c.handled }), { cases: 0, handled: 0 });
process.stdout.write(
  [
    '| category | cases | handled |',
    '|---|---|---|',
    ...[...counts].map(([category, c]) => `| ${category} | ${c.cases} | ${c.handled} |`),
    `| **all** | **${total.cases}** | **${total.handled}** |`,
    '',
    ...memoryNotes,
    `${cases.length} cases in ${((performance.now() - started) / 60_000).toFixed(1)} minutes${killStride > 1 ? ` (every ${killStride}th kill point)` : ''}`,
    ...failures.map((failure) => `FAIL ${failure}`),
    '',
  ].join('\n'),
);
await rm(root, { recursive: true, force: true });
process.exitCode = failures.length > 0 ? 1 : 0;
