import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// A stand-in for `kd run` in a sweep's cells, for the shard and queue tests: it trains nothing but
// takes KD_FAKE_STEPS steps of KD_FAKE_STEP_MS each, with a checkpoint after every step, and
// continues from it under --resume. It appends each attempt (the pid of the kd that started it,
// the step it resumed from) to <cell>/attempts.jsonl, and each finished run to the sweep folder's
// finishes.log, and writes the log and results.json a run folder holds. Its metrics follow from
// the cell's temperature and soft weight alone, so any process that runs a cell gets the same.
const script = `
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
const [, config, ...rest] = process.argv.slice(2);
const out = rest[rest.indexOf('--out') + 1];
const cell = dirname(config);
const { temperature, softWeight } = JSON.parse(readFileSync(config, 'utf8')).loss.options;
const steps = Number(process.env.KD_FAKE_STEPS ?? 3);
const stepMs = Number(process.env.KD_FAKE_STEP_MS ?? 10);
mkdirSync(out, { recursive: true });
const checkpoint = join(out, 'checkpoint.json');
let step = rest.includes('--resume') && existsSync(checkpoint) ? JSON.parse(readFileSync(checkpoint, 'utf8')).step : 0;
appendFileSync(join(cell, 'attempts.jsonl'), JSON.stringify({ kd: process.ppid, resumedFrom: step }) + '\\n');
while (step < steps) {
  await new Promise((resolve) => setTimeout(resolve, stepMs));
  step++;
  writeFileSync(checkpoint, JSON.stringify({ step }));
}
const validation = { accuracy: 0.8 + softWeight / 10 - Math.abs(temperature - 4) / 100, nll: temperature / 10 };
writeFileSync(join(out, 'student-log.jsonl'), JSON.stringify({ epoch: 1, validation }) + '\\n');
writeFileSync(join(out, 'results.json'), JSON.stringify({ student: { test: { accuracy: 0.7 + temperature / 100 } } }));
appendFileSync(join(dirname(cell), 'finishes.log'), basename(cell) + ' ' + process.ppid + '\\n');
`;

/** An experiment config the sweep tests run cells of (with a fake `kd run`: nothing loads it). */
export const sweepExperiment = {
  output: 'runs/one',
  data: { source: 'mnist-digits' },
  teacher: { path: 'teacher' },
  student: { architecture: { type: 'mlp', hidden: [8] } },
  loss: { key: 'distillation', options: { temperature: 1, softWeight: 0.5, hardWeight: 0.5 } },
  training: { epochs: 1 },
};

/** Writes the fake `kd run` into `dir`; returns its path. */
export async function writeFakeKdRun(dir: string): Promise<string> {
  const path = join(dir, 'fake-kd-run.mjs');
  await writeFile(path, script);
  return path;
}

/**
 * Starts `kd <argv>` in a child process (test/kd-child.ts) in `cwd`, its cells run by the fake at
 * `fake`; `detached` gives it a process group of its own, so that killing the group kills its cells
 * too, as when a machine or container dies.
 */
export function spawnKd(
  cwd: string,
  fake: string,
  argv: readonly string[],
  { env = {}, detached = false }: { env?: Record<string, string>; detached?: boolean } = {},
): ChildProcess & { done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const entry = fileURLToPath(new URL('./kd-child.ts', import.meta.url));
  const conditions = process.env.KD_TEST_DIST === '1' ? [] : ['--conditions=@kd/source'];
  // tsx resolved here: the child's working folder is a temporary one, outside the repository.
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const child = spawn(process.execPath, [...conditions, '--import', tsx, entry, ...argv], {
    cwd,
    detached,
    env: { ...process.env, ...env, KD_FAKE_RUN: fake },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return Object.assign(child, { done });
}

/** Resolves once `check()` holds, polling every 50 ms; rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms in vain`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
