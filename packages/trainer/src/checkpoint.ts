import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileSystem, writeFileAtomic } from '@kd/core/node';
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

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** How many checkpoints to keep, newest first. Default 1. */
  keep?: number;
}

const pointerFile = 'latest.json';
const stateFile = 'state.json';
const optimizerJson = 'optimizer.json';
const optimizerBin = 'optimizer.bin';

/**
 * Writes a checkpoint into `dir`: a folder `checkpoint-<epoch>` holding the model in TensorFlow.js
 * format (loadable on its own with `tf.loadLayersModel(fileSystem(...))`), the optimizer's state
 * and `state.json`. The folder is written under a temporary name and renamed; then `latest.json`
 * is replaced atomically to point at it. A run killed at any moment leaves `latest.json` naming a
 * complete checkpoint. Returns the checkpoint folder's path.
 */
export async function saveCheckpoint(
  dir: string,
  contents: { model: LayersModel; optimizer: Optimizer; state: CheckpointState },
  options: SaveCheckpointOptions = {},
): Promise<string> {
  const { model, optimizer, state } = contents;
  const keep = options.keep ?? 1;
  if (!Number.isInteger(keep) || keep < 1) {
    throw new Error(`Argument 'keep' passed to 'saveCheckpoint' must be an integer >= 1, got ${String(keep)}`);
  }
  if (!Number.isInteger(state.epoch) || state.epoch < 0 || !Number.isInteger(state.step) || state.step < 0) {
    throw new Error(
      `Argument 'state' passed to 'saveCheckpoint' must have integer epoch and step >= 0, got epoch ${String(state.epoch)}, step ${String(state.step)}`,
    );
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
    await writeFile(join(temporary, stateFile), JSON.stringify(state));
    const target = join(dir, name);
    await rm(target, { recursive: true, force: true });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
  await writeFileAtomic(join(dir, pointerFile), JSON.stringify({ checkpoint: name }));
  const older = (await readdir(dir)).filter((entry) => /^checkpoint-\d+$/.test(entry) && entry < name).toSorted();
  const newer = (await readdir(dir)).filter((entry) => /^checkpoint-\d+$/.test(entry) && entry > name);
  // Checkpoints from epochs after this one belong to a run this one replaced (resumed earlier).
  for (const stale of [...older.slice(0, Math.max(0, older.length - (keep - 1))), ...newer]) {
    await rm(join(dir, stale), { recursive: true, force: true });
  }
  return join(dir, name);
}

/** The path of the newest complete checkpoint in `dir`, or undefined when there is none. */
export async function latestCheckpoint(dir: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, pointerFile), 'utf8');
  } catch {
    return undefined;
  }
  const { checkpoint } = JSON.parse(text) as { checkpoint: string };
  return join(dir, checkpoint);
}

/**
 * Loads the newest checkpoint in `dir` into `model` (weights, in order) and `optimizer` (a fresh
 * one of the kind that was saved) and returns its state; undefined when `dir` has no checkpoint.
 */
export async function loadCheckpoint(
  dir: string,
  target: { model: LayersModel; optimizer: Optimizer },
): Promise<CheckpointState | undefined> {
  const path = await latestCheckpoint(dir);
  if (path === undefined) return undefined;
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
  target.model.setWeights(values);
  tf.dispose(values);

  const meta = JSON.parse(await readFile(join(path, optimizerJson), 'utf8')) as {
    className: string;
    specs: tf.io.WeightsManifestEntry[];
    scalars: Record<string, number>;
  };
  if (meta.className !== target.optimizer.getClassName()) {
    throw new Error(
      `'loadCheckpoint': checkpoint ${path} holds a ${meta.className} optimizer, got a ${target.optimizer.getClassName()} to restore into`,
    );
  }
  const bytes = await readFile(join(path, optimizerBin));
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const optimizerTensors = tf.io.decodeWeights(buffer, meta.specs);
  await restoreOptimizerState(target.optimizer, {
    tensors: meta.specs.map((spec) => ({ name: spec.name, tensor: optimizerTensors[spec.name]! })),
    scalars: meta.scalars,
  });
  return JSON.parse(await readFile(join(path, stateFile), 'utf8')) as CheckpointState;
}
