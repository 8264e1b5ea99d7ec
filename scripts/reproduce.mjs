// Reruns the paper's experiments on full Fashion-MNIST exactly as the README reports them, and
// writes every results file (examples/<name>/results/fashion-mnist-*). Two experiments run side
// by side, one native thread each (KD_THREADS=1; the results do not depend on it), on a 2-core
// machine; omitted-class starts once mnist-distill has chosen its temperature, and soft-targets
// once omitted-class has trained (and kept) the early-stopped teachers both distil from. Prints
// each experiment's wall time. Needs Debian's dataset-fashion-mnist.
//   npm run reproduce            everything (many hours on 2 cores: the README gives each experiment's time)
//   npm run reproduce -- cnn-distill soft-targets    only these (their dependencies are not rerun)
//   npm run reproduce -- --seeds 0 --teacher-dropout 0.5    a flag given here replaces that flag's
//                                setting in every experiment that has it (a shorter, partial run)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const data = '/usr/share/datasets/fashion-mnist';
if (!existsSync(data)) {
  console.error(`reproduce: ${data} not found: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)`);
  process.exit(1);
}
const converge = ['--data', data, '--seeds', '0,1,2', '--patience', '10', '--lr-plateau', '4'];
/** The temperature mnist-distill chose on validation data, which omitted-class reuses. */
const chosenTemperature = () =>
  String(JSON.parse(readFileSync(resolve(root, 'examples/mnist-distill/results/fashion-mnist-seed0.json'), 'utf8')).temperature);

const experiments = [
  {
    name: 'mnist-distill',
    after: [],
    // The teacher's jitter and dropout cut to the winners of an earlier run on seed 0's validation
    // data (jitter among 0, 1, 2, then dropout among 0.5, 0.3, 0.2: the README gives each); the
    // schedule and mixup are chosen here.
    args: [...converge, '--teacher-jitter', '0', '--teacher-dropout', '0.2', '--teacher-schedules', 'early-stop,cosine', '--teacher-mixup', '0,0.2', '--teacher-epochs', '100', '--student-epochs', '100', '--temperatures', '4,8,20'],
  },
  {
    name: 'cnn-distill',
    after: [],
    // The choices earlier runs made on seed 0's validation data, each list cut to its winner (the
    // README's results section gives every candidate): teacher jitter among 0, 1; T among 2, 4, 8;
    // recipes plain, jitter, mixup, jitter-mixup; early stopping or a cosine of 100 or 300 epochs.
    args: [...converge, '--teacher-jitter', '1', '--teacher-epochs', '150', '--student-epochs', '300', '--temperatures', '2', '--recipes', 'jitter-mixup', '--student-jitter', '1', '--mixup-alpha', '0.2', '--schedules', 'cosine'],
  },
  { name: 'ensemble-distill', after: [], args: [...converge, '--member-epochs', '100', '--student-epochs', '100', '--temperatures', '4,8', '--combines', 'arithmetic,logits', '--schedules', 'early-stop,cosine'] },
  { name: 'omitted-class', after: ['mnist-distill'], args: [...converge, '--teacher-jitter', '0,1,2', '--teacher-dropout', '0.5,0.3,0.2', '--teacher-epochs', '200', '--student-epochs', '100', '--temperature', chosenTemperature] },
  { name: 'soft-targets', after: ['omitted-class'], args: [...converge, '--teacher-jitter', '0,1,2', '--teacher-dropout', '0.5,0.3,0.2', '--teacher-epochs', '200', '--student-epochs', '1000', '--temperatures', '4,8,20', '--recipes', 'plain,jitter,mixup', '--schedules', 'early-stop,cosine'] },
  { name: 'specialists', after: [], args: [...converge, '--generalist-epochs', '200', '--specialist-epochs', '100'] },
];

/** `--flag value` pairs from the command line, each replacing the same flag of every experiment that has it. */
const overrides = new Map();
const only = [];
for (let i = 2; i < process.argv.length; i++) {
  const arg = process.argv[i];
  if (!arg.startsWith('--')) only.push(arg);
  else if (i + 1 < process.argv.length && !process.argv[i + 1].startsWith('--')) overrides.set(arg, process.argv[++i]);
  else {
    console.error(`reproduce: ${arg} needs a value`);
    process.exit(2);
  }
}
const withOverrides = (args) => args.map((arg, i) => (i > 0 && overrides.has(args[i - 1]) ? overrides.get(args[i - 1]) : arg));
const unused = [...overrides.keys()].filter((flag) => !experiments.some((e) => e.args.includes(flag)));
if (unused.length) {
  console.error(`reproduce: no experiment takes ${unused.join(', ')}`);
  process.exit(2);
}
const unknown = only.filter((name) => !experiments.some((e) => e.name === name));
if (unknown.length) {
  console.error(`reproduce: no experiment ${unknown.join(', ')} (there are ${experiments.map((e) => e.name).join(', ')})`);
  process.exit(2);
}
const selected = only.length ? experiments.filter((e) => only.includes(e.name)) : experiments;
const done = new Set(experiments.filter((e) => !selected.includes(e)).map((e) => e.name));
const started = performance.now();
const times = {};

function run(experiment) {
  return new Promise((resolveRun, reject) => {
    const args = ['start', '-w', `examples/${experiment.name}`, '--', ...withOverrides(experiment.args).map((arg) => (typeof arg === 'function' ? arg() : arg))];
    console.log(`\n$ KD_THREADS=1 npm ${args.join(' ')}`);
    const begin = performance.now();
    const child = spawn('npm', args, { cwd: root, stdio: 'inherit', env: { ...process.env, KD_THREADS: '1' } });
    child.on('exit', (code) => {
      times[experiment.name] = (performance.now() - begin) / 60_000;
      console.log(`\n${experiment.name}: ${code === 0 ? 'done' : `failed (exit ${code})`} in ${times[experiment.name].toFixed(0)} min`);
      if (code === 0) resolveRun();
      else reject(new Error(`${experiment.name} failed`));
    });
  });
}

// Two at a time, each as soon as what it reuses has finished.
const waiting = [...selected];
const running = new Set();
await new Promise((resolveAll, rejectAll) => {
  const next = () => {
    if (waiting.length === 0 && running.size === 0) return resolveAll();
    while (running.size < 2) {
      const index = waiting.findIndex((e) => e.after.every((a) => done.has(a)));
      if (index < 0) break;
      const [experiment] = waiting.splice(index, 1);
      const job = run(experiment).then(() => {
        done.add(experiment.name);
        running.delete(job);
        next();
      }, rejectAll);
      running.add(job);
    }
  };
  next();
});
console.log(`\nall done in ${((performance.now() - started) / 60_000).toFixed(0)} min: ${Object.entries(times).map(([name, minutes]) => `${name} ${minutes.toFixed(0)} min`).join(', ')}`);
