import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeShape, describeValue, weightsByteLength } from '@kd/core';
import { fileSystem, isProcessRunning, readJsonFile, removeAbandonedTemporaryFiles, writeFileAtomic } from '@kd/core/node';
import { disposeOptimizerState, readOptimizerState, restoreOptimizerState } from './optimizer';

/** What a checkpoint records besides the weights: enough to continue the run exactly. */
export interface CheckpointState {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps taken. */
  step: number;
  /** Anything else the loop needs to continue (RNG state, early-stopping bookkeeping), as JSON. */
  [key: string]: unknown;
}

/** Options of {@link loadCheckpoint}. */
export interface LoadCheckpointOptions {
  /** Called with the checkpoint's state (and folder) before anything is restored: throw to refuse it. */
  check?: (state: CheckpointState, path: string) => void;
  /** Called, after the model and optimizer were restored, with each further set of weights the checkpoint holds (see {@link SavedWeightSets}). */
  weightSets?: (name: string, values: Float32Array[]) => void;
}

/**
 * Further sets of weights a checkpoint keeps besides the model's, by name (letters, digits, `-`,
 * `_`): each one value array per model weight, in order and of its size, as early stopping's copy
 * of the best epoch.
 */
export type SavedWeightSets = Readonly<Record<string, readonly Float32Array[]>>;

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** How many checkpoints to keep, newest first. Default 1. */
  keep?: number;
}

const pointerFile = 'latest.json';
const checkpointName = /^checkpoint-\d+$/;
const stateFile = 'state.json';
const optimizerJson = 'optimizer.json';
const optimizerBin = 'optimizer.bin';
const weightSetFile = /^weights-([A-Za-z0-9_-]+)\.bin$/;

/**
 * Writes a checkpoint into `dir`: a folder `checkpoint-<epoch>` holding the model in TensorFlow.js
 * format (loadable on its own with `tf.loadLayersModel(fileSystem(...))`), the optimizer's state,
 * the run's `state` (`state.json`) and, as `weights-<name>.bin`, each of `weightSets`. The folder
 * is written under a temporary name and renamed; then `latest.json` is replaced atomically to point
 * at it. A run killed at any moment leaves `latest.json` naming a complete checkpoint. Returns the
 * checkpoint folder's path.
 */
export async function saveCheckpoint(
  dir: string,
  contents: { model: LayersModel; optimizer: Optimizer; state: CheckpointState; weightSets?: SavedWeightSets },
  options: SaveCheckpointOptions = {},
): Promise<string> {
  const { model, optimizer, state, weightSets = {} } = contents;
  const keep = options.keep ?? 1;
  if (!Number.isInteger(keep) || keep < 1) {
    throw new Error(`Argument 'keep' passed to 'saveCheckpoint' must be an integer >= 1, got ${String(keep)}`);
  }
  if (!Number.isInteger(state.epoch) || state.epoch < 0 || !Number.isInteger(state.step) || state.step < 0) {
    throw new Error(
      `Argument 'state' passed to 'saveCheckpoint' must have integer epoch and step >= 0, got epoch ${String(state.epoch)}, step ${String(state.step)}`,
    );
  }
  const sizes = model.getWeights().map((w) => w.size);
  for (const [setName, values] of Object.entries(weightSets)) {
    if (!weightSetFile.test(`weights-${setName}.bin`) || values.length !== sizes.length || values.some((v, i) => !(v instanceof Float32Array) || v.length !== sizes[i])) {
      throw new Error(
        `Argument 'weightSets.${setName}' passed to 'saveCheckpoint' must be named with letters, digits, '-' or '_' and hold one Float32Array per model weight of its size (${sizes.join(', ')}), got ${Array.isArray(values) ? `${values.length} of sizes ${values.map((v) => describeValue(v?.length)).join(', ')}` : describeShape(values)}`,
      );
    }
  }
  await mkdir(dir, { recursive: true });
  const name = `checkpoint-${String(state.epoch).padStart(6, '0')}`;
  const temporary = join(dir, `${name}.tmp-${process.pid}-${Date.now()}`);
  await mkdir(temporary);
  try {
    await model.save(fileSystem(temporary));
    const optimizerState = await readOptimizerState(optimizer);
    try {
      const { data, specs } = await tf.io.encodeWeights(optimizerState.tensors);
      await writeFile(join(temporary, optimizerBin), new Uint8Array(tf.io.concatenateArrayBuffers(data)));
      await writeFile(
        join(temporary, optimizerJson),
        JSON.stringify({ className: optimizer.getClassName(), specs, scalars: optimizerState.scalars }),
      );
    } finally {
      disposeOptimizerState(optimizerState);
    }
    for (const [setName, values] of Object.entries(weightSets)) {
      await writeFile(join(temporary, `weights-${setName}.bin`), Buffer.concat(values.map((v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength))));
    }
    await writeFile(join(temporary, stateFile), JSON.stringify(state));
    const target = join(dir, name);
    await rm(target, { recursive: true, force: true });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
  await writeFileAtomic(join(dir, pointerFile), JSON.stringify({ checkpoint: name }));
  const older = (await readdir(dir)).filter((entry) => checkpointName.test(entry) && entry < name).toSorted();
  const newer = (await readdir(dir)).filter((entry) => checkpointName.test(entry) && entry > name);
  // Checkpoints from epochs after this one belong to a run this one replaced (resumed earlier).
  for (const stale of [...older.slice(0, Math.max(0, older.length - (keep - 1))), ...newer]) {
    await rm(join(dir, stale), { recursive: true, force: true });
  }
  return join(dir, name);
}

/** The path of the newest complete checkpoint in `dir`, or undefined when there is none. */
export async function latestCheckpoint(dir: string): Promise<string | undefined> {
  const pointer = join(dir, pointerFile);
  let json: unknown;
  try {
    json = await readJsonFile(pointer, 'checkpoint pointer');
  } catch (error) {
    if (((error as Error).cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
    throw error;
  }
  // The name comes from a file: only a checkpoint folder of `dir` itself, never a path elsewhere.
  const checkpoint = (json as { checkpoint?: unknown } | null)?.checkpoint;
  if (typeof checkpoint !== 'string' || !checkpointName.test(checkpoint)) {
    throw new Error(
      `'latestCheckpoint': ${pointer} must name a checkpoint folder of ${dir} ({ "checkpoint": "checkpoint-<epoch>" }), got ${typeof checkpoint === 'string' ? `'${checkpoint}'` : describeShape(json)}`,
    );
  }
  return join(dir, checkpoint);
}

/**
 * Removes what runs killed while writing left in `dir`: temporary checkpoint folders
 * (`checkpoint-<epoch>.tmp-<pid>-<time>`) and a half-written `latest.json`; those of a process
 * still running stay.
 */
export async function removeAbandonedCheckpoints(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => []);
  for (const entry of entries) {
    const pid = /^checkpoint-\d+\.tmp-(\d+)-\d+$/.exec(entry)?.[1];
    if (pid !== undefined && !isProcessRunning(Number(pid))) await rm(join(dir, entry), { recursive: true, force: true });
  }
  await removeAbandonedTemporaryFiles(dir);
}

/**
 * Loads the newest checkpoint in `dir` into `model` (weights, in order) and `optimizer` (a fresh
 * one of the kind that was saved) and returns its state; undefined when `dir` has no checkpoint.
 * Every file is read and checked before anything is restored: a corrupt checkpoint (or one
 * `options.check` refuses) is an Error naming the file and what it should hold, and leaves `model`
 * and `optimizer` as they were.
 */
export async function loadCheckpoint(
  dir: string,
  target: { model: LayersModel; optimizer: Optimizer },
  options: LoadCheckpointOptions = {},
): Promise<CheckpointState | undefined> {
  const path = await latestCheckpoint(dir);
  if (path === undefined) return undefined;
  const statePath = join(path, stateFile);
  const state = (await readJsonFile(statePath, 'checkpoint state')) as Partial<CheckpointState> | null;
  if (!Number.isInteger(state?.epoch) || state!.epoch! < 0 || !Number.isInteger(state!.step) || state!.step! < 0) {
    throw new Error(`'loadCheckpoint': ${statePath} must hold the run's integer epoch and step >= 0, got ${describeShape(state)}`);
  }
  options.check?.(state as CheckpointState, path);
  const metaPath = join(path, optimizerJson);
  const meta = (await readJsonFile(metaPath, 'checkpoint optimizer state')) as { className?: unknown; specs?: unknown; scalars?: unknown } | null;
  if (typeof meta?.className !== 'string' || !Array.isArray(meta.specs) || meta.scalars === null || typeof meta.scalars !== 'object') {
    throw new Error(`'loadCheckpoint': ${metaPath} must hold the optimizer's { className, specs, scalars }, got ${describeShape(meta)}`);
  }
  if (meta.className !== target.optimizer.getClassName()) {
    throw new Error(
      `'loadCheckpoint': checkpoint ${path} holds a ${meta.className} optimizer, got a ${target.optimizer.getClassName()} to restore into`,
    );
  }
  const specs = meta.specs as tf.io.WeightsManifestEntry[];
  const binPath = join(path, optimizerBin);
  const bytes = await readFile(binPath).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`'loadCheckpoint': cannot read ${binPath}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`, { cause: error });
  });
  const expectedBytes = weightsByteLength(specs);
  if (expectedBytes !== bytes.byteLength) {
    throw new Error(
      `'loadCheckpoint': expected ${binPath} to hold the ${String(expectedBytes)} bytes ${metaPath} lists, got ${bytes.byteLength}: it is cut short or belongs to another checkpoint`,
    );
  }
  const artifacts = await fileSystem(path).load!();

  const loaded = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
  const values = Object.values(loaded);
  const expected = target.model.weights;
  const mismatch = values.length !== expected.length
    ? `${values.length} weights for a model with ${expected.length}`
    : expected.findIndex((w, i) => w.shape.join() !== values[i]!.shape.join()) >= 0
      ? 'weights of other shapes'
      : undefined;
  if (mismatch) {
    tf.dispose(values);
    throw new Error(`'loadCheckpoint': checkpoint ${path} holds ${mismatch} than the model given`);
  }
  let weightSets: Array<[string, Float32Array[]]>;
  try {
    weightSets = await readWeightSets(path, target.model.getWeights().map((w) => w.size));
  } catch (error) {
    tf.dispose(values);
    throw error;
  }
  target.model.setWeights(values);
  tf.dispose(values);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const optimizerTensors = tf.io.decodeWeights(buffer, specs);
  await restoreOptimizerState(target.optimizer, {
    tensors: specs.map((spec) => ({ name: spec.name, tensor: optimizerTensors[spec.name]! })),
    scalars: meta.scalars as Record<string, number>,
  });
  for (const [name, set] of weightSets) options.weightSets?.(name, set);
  return state as CheckpointState;
}

/** The checkpoint's further weight sets (`weights-<name>.bin`), each cut into arrays of `sizes`; an Error names a file of another length. */
async function readWeightSets(path: string, sizes: readonly number[]): Promise<Array<[string, Float32Array[]]>> {
  const total = sizes.reduce((a, b) => a + b, 0);
  const sets: Array<[string, Float32Array[]]> = [];
  for (const entry of (await readdir(path)).toSorted()) {
    const name = weightSetFile.exec(entry)?.[1];
    if (name === undefined) continue;
    const bytes = await readFile(join(path, entry));
    if (bytes.byteLength !== total * 4) {
      throw new Error(`'loadCheckpoint': expected ${join(path, entry)} to hold ${total * 4} bytes (the model's ${total} weights as float32), got ${bytes.byteLength}: it is cut short or belongs to another model`);
    }
    const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    let offset = 0;
    sets.push([name, sizes.map((size) => all.slice(offset, (offset += size)))]);
  }
  return sets;
}
