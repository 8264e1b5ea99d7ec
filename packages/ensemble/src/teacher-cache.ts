import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { exampleKey } from '@kd/data';
import type { AugmentationParams } from '@kd/data';
import { softmaxWithTemperature } from '@kd/losses';
import { assertPositive, describeValue, sha256 } from '@kd/core';
import { writeFileAtomic } from '@kd/core/node';
import { encodeHeader, readHeader } from './safetensors';
import type { SafetensorsDtype } from './safetensors';
import { openCacheShards, shardFileName } from './teacher-cache-shards';
import type { CacheShard } from './teacher-cache-shards';
import { frozenForward, isTeacher } from './teacher';
import type { Teacher } from './teacher';

/** The examples of one batch as a cache sees them: `@kd/data` batches have these fields. */
export interface CacheBatch {
  /** Each example's index in the data set. */
  readonly indices: ArrayLike<number>;
  /** Each example's augmentation parameters, or null/absent without augmentation. */
  readonly augmentation?: ReadonlyArray<AugmentationParams> | null;
}

/** A batch to compute teacher outputs for: inputs plus the keys they are stored under. */
export interface TransferBatch extends CacheBatch {
  /** The teacher's inputs; not disposed by the cache (the batch iterator or caller owns them). */
  readonly x: Tensor;
}

/** Something with a fingerprint: a {@link Teacher}. */
export interface Fingerprinted {
  fingerprint(): string;
}

/**
 * What a cache is keyed to besides the teacher: the inputs of a data set, as a `@kd/data`
 * `Dataset` fingerprints them (pixels and order, not labels).
 */
export interface InputsFingerprinted {
  inputsFingerprint(): string;
}

/** Options of {@link buildTeacherCache}. */
export interface BuildTeacherCacheOptions {
  /** The teacher to run once over the batches. */
  teacher: Teacher;
  /** The batches to cache (`batches` of `@kd/data`, every epoch you will train on with augmentation). */
  batches: Iterable<TransferBatch> | AsyncIterable<TransferBatch>;
  /**
   * The file to write (safetensors), replaced atomically if it exists; with `shard`, the shards'
   * folder (created if needed), where the shard is written as `shard-<index>-of-<count>.safetensors`.
   */
  path: string;
  /** The data set the batches come from; the fingerprint of its inputs is recorded. */
  dataset: InputsFingerprinted;
  /**
   * Only for teachers without logits (an arithmetic ensemble): the temperature their soft targets
   * are computed and stored at; the cache then serves probabilities at that temperature only.
   * Teachers with logits store logits, which serve every temperature; giving it for them is an
   * error.
   */
  temperature?: number;
  /**
   * Build only shard `index` (from 1) of `count`: the examples whose data-set index is `index - 1`
   * modulo `count`, and only those go through the teacher. Give every shard the same batches (the
   * same data, seed and epochs): `openTeacherCache` on the folder of all `count` shards then reads
   * them as one cache. Default: every example, one file.
   */
  shard?: CacheShard;
}

/** What a cache file holds, as recorded in its metadata. */
export interface TeacherCacheInfo {
  readonly path: string;
  /** Number of cached examples (distinct index + augmentation pairs). */
  readonly size: number;
  readonly numClasses: number;
  /** `'logits'`, or `'probs'` for teachers without logits (at {@link temperature}). */
  readonly stores: 'logits' | 'probs';
  /** The temperature probabilities were stored at, or null for logits. */
  readonly temperature: number | null;
  readonly teacherFingerprint: string;
  /** `inputsFingerprint()` of the data set the cache was built on. */
  readonly inputsFingerprint: string;
  /** Names of the augmentation parameters in the keys (sorted), empty without augmentation. */
  readonly augmentationParams: readonly string[];
}

/** Options of {@link openTeacherCache}: the file, and what it must have been built from. */
export interface OpenTeacherCacheOptions {
  /** The cache file, or the folder of a cache's shards (`buildTeacherCache` with `shard`). */
  path: string;
  /** The teacher the cache stands in for (or anything with its fingerprint). */
  teacher: Fingerprinted;
  /** The data set the training batches come from. */
  dataset: InputsFingerprinted;
}

/**
 * Cached teacher outputs, read from disk on demand: opening reads the header and the keys; each
 * batch reads only its own rows (by file offset), so a cache larger than memory works. `kind` is
 * `'teacherCache'`, which tells it apart from a `Teacher` (`kind: 'teacher'`).
 */
export interface TeacherCache extends TeacherCacheInfo {
  readonly kind: 'teacherCache';
  /** Whether the example `index` (with augmentation `params`) is cached. */
  has(index: number, params?: AugmentationParams | null): boolean;
  /** The cached logits for a batch, `[batch, numClasses]`. Only for `stores: 'logits'`. */
  logits(batch: CacheBatch): Tensor2D;
  /**
   * The teacher's soft targets for a batch at `temperature` (default 1), `[batch, numClasses]`:
   * what `teacher.probs(batch.x, temperature)` returned when the cache was built. A `'probs'` cache
   * serves only the temperature it was built at.
   */
  probs(batch: CacheBatch, temperature?: number): Tensor2D;
  /** Closes the file. */
  close(): void;
}

const FORMAT = 'kd-teacher-cache/2';
/** Bytes copied per read when the body is moved behind the header: bounds memory while writing. */
const COPY_CHUNK = 1 << 20;

/**
 * Runs `teacher` once over `batches` and stores its outputs in a safetensors file at `path`, keyed
 * by each example's data-set index and augmentation parameters (`exampleKey` of `@kd/data`), with
 * the teacher's fingerprint and the fingerprint of the data set's inputs.
 *
 * Pass the batches of every epoch you will train on when augmentation is on (each epoch draws new
 * parameters); an example met twice with the same parameters is stored once. The file holds:
 * `logits` (or `probs`) F32 `[n, classes]`, `indices` I32 `[n]`, and `augmentation` F64
 * `[n, params]` when there are augmentation parameters (their names in the metadata). Rows are
 * streamed to a temporary file, so memory stays bounded by one batch plus the keys; the result
 * replaces `path` atomically (`writeFileAtomic` of `@kd/core/node`).
 */
export async function buildTeacherCache(options: BuildTeacherCacheOptions): Promise<TeacherCacheInfo> {
  const fn = 'buildTeacherCache';
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Argument 'options' passed to '${fn}' must be an object { teacher, batches, path, dataset, temperature? }, got ${describeValue(options)}`);
  }
  const { teacher, batches, dataset, temperature, shard } = options;
  if (!isTeacher(teacher)) {
    throw new TypeError(`Argument 'options.teacher' passed to '${fn}' must be a Teacher, got ${describeValue(teacher)}`);
  }
  if (batches === null || typeof batches !== 'object' || !(Symbol.iterator in batches || Symbol.asyncIterator in batches)) {
    throw new TypeError(`Argument 'options.batches' passed to '${fn}' must be an iterable of batches, got ${describeValue(batches)}`);
  }
  if (typeof options.path !== 'string' || options.path.length === 0) {
    throw new TypeError(`Argument 'options.path' passed to '${fn}' must be a non-empty string, got ${describeValue(options.path)}`);
  }
  assertInputsFingerprinted(fn, 'options.dataset', dataset);
  if (shard !== undefined) {
    const { index, count } = shard ?? {};
    if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(index) || index < 1 || index > count) {
      throw new Error(`Argument 'options.shard' passed to '${fn}' must be { index, count } with whole numbers 1 <= index <= count, got ${describeValue(shard)}`);
    }
    mkdirSync(options.path, { recursive: true });
  }
  const path = shard ? join(options.path, shardFileName(shard)) : options.path;
  // Every example of every batch, the other shards' too: shards agree on it when built from the same batches.
  const batchesHash = sha256();
  const kind = typeof teacher.logits === 'function' ? 'logits' : 'probs';
  if (kind === 'logits' && temperature !== undefined) {
    throw new Error(`Argument 'options.temperature' passed to '${fn}' applies only to teachers without logits; this teacher has logits, which serve every temperature`);
  }
  if (kind === 'probs') {
    if (temperature === undefined) {
      throw new Error(
        `'${fn}' needs options.temperature for a teacher without logits (e.g. an arithmetic ensemble): its soft targets are stored at that temperature`,
      );
    }
    assertPositive(fn, 'options.temperature', temperature);
  }
  const numClasses = teacher.numClasses;
  const teacherFingerprint = teacher.fingerprint();
  const inputsFingerprint = dataset.inputsFingerprint();

  const bodyPath = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.body.tmp`);
  const body = openSync(bodyPath, 'wx+');
  const seen = new Set<string>();
  const indices: number[] = [];
  const params: number[] = [];
  let paramNames: string[] | null = null;
  try {
    for await (const batch of batches) {
      const n = checkBatch(fn, batch);
      const names = paramNamesOf(fn, batch, n);
      if (paramNames === null) paramNames = names;
      else if (names.join(',') !== paramNames.join(',')) {
        throw new Error(
          `'${fn}' needs the same augmentation parameters in every batch: first [${paramNames.join(', ')}], then [${names.join(', ')}]`,
        );
      }
      // The batch's rows this cache keeps: new keys, of this shard.
      const keep: number[] = [];
      for (let k = 0; k < n; k++) {
        const index = batch.indices[k]!;
        const key = exampleKey(index, batch.augmentation?.[k] ?? null);
        batchesHash.update(`${key}\n`);
        if ((shard && index % shard.count !== shard.index - 1) || seen.has(key)) continue;
        seen.add(key);
        keep.push(k);
      }
      if (keep.length === 0) continue;
      const out = tf.tidy(() => {
        const x = keep.length === n ? batch.x : tf.gather(batch.x, keep);
        return kind === 'logits' ? teacher.logits!(x) : teacher.probs(x, temperature);
      });
      let values: Float32Array;
      try {
        if (out.shape[0] !== keep.length || out.shape[1] !== numClasses) {
          throw new Error(`'${fn}' got teacher output of shape [${out.shape.join(', ')}] for a batch of ${keep.length}, expected [${keep.length}, ${numClasses}]`);
        }
        values = (await out.data()) as Float32Array;
      } finally {
        out.dispose();
      }
      for (const k of keep) {
        indices.push(batch.indices[k]!);
        for (const name of names) params.push(batch.augmentation![k]![name]!);
      }
      const rows = Buffer.alloc(values.length * 4);
      values.forEach((value, i) => rows.writeFloatLE(value, i * 4));
      writeAll(body, rows);
    }
    if (paramNames === null) throw new Error(`'${fn}' got no batches: there is nothing to cache`);
    const names = paramNames;
    const size = indices.length;
    const layout: Array<{ name: string; dtype: SafetensorsDtype; shape: number[] }> = [
      ...(names.length > 0 ? [{ name: 'augmentation', dtype: 'F64' as const, shape: [size, names.length] }] : []),
      { name: kind, dtype: 'F32', shape: [size, numClasses] },
      { name: 'indices', dtype: 'I32', shape: [size] },
    ];
    const metadata: Record<string, string> = {
      format: FORMAT,
      kind,
      num_classes: String(numClasses),
      teacher_fingerprint: teacherFingerprint,
      inputs_fingerprint: inputsFingerprint,
      augmentation_params: JSON.stringify(names),
      ...(kind === 'probs' ? { temperature: String(temperature) } : {}),
      ...(shard ? { shard: JSON.stringify({ index: shard.index, count: shard.count, batches: batchesHash.digest() }) } : {}),
    };
    const { bytes: header } = encodeHeader(layout, metadata);
    await writeFileAtomic(path, async (write) => {
      await write(header);
      if (names.length > 0) {
        const aug = Buffer.alloc(params.length * 8);
        params.forEach((value, i) => aug.writeDoubleLE(value, i * 8));
        await write(aug);
      }
      const chunk = Buffer.alloc(COPY_CHUNK);
      for (let position = 0; ; position += chunk.length) {
        const read = readSync(body, chunk, 0, chunk.length, position);
        if (read === 0) break;
        await write(chunk.subarray(0, read));
      }
      const ids = Buffer.alloc(size * 4);
      indices.forEach((index, i) => ids.writeInt32LE(index, i * 4));
      await write(ids);
    });
    return {
      path,
      size,
      numClasses,
      stores: kind,
      temperature: kind === 'probs' ? temperature! : null,
      teacherFingerprint,
      inputsFingerprint,
      augmentationParams: names,
    };
  } finally {
    closeSync(body);
    rmSync(bodyPath, { force: true });
  }
}

/**
 * Opens a cache written by {@link buildTeacherCache} and checks that it was built from `teacher`
 * and from the inputs of `dataset`: a cache from another teacher, or from other inputs (another
 * order, a subset, other pixels), is refused with an Error that names both fingerprints. A data set
 * with the same inputs and other labels (`dataset.unlabeled()`, `withLabels(...)`) is accepted: the
 * teacher's outputs do not depend on labels.
 *
 * `path` may be the folder of a cache built in shards (`buildTeacherCache` with `shard`, by any
 * processes on any machines): it then reads as one cache, each shard file checked as a single
 * file is, and a folder with a shard missing, a shard twice, or a shard of other batches or of
 * another shard count is refused with an Error naming the shard and its file.
 */
export function openTeacherCache(options: OpenTeacherCacheOptions): TeacherCache {
  const fn = 'openTeacherCache';
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`Argument 'options' passed to '${fn}' must be an object { path, teacher, dataset }, got ${describeValue(options)}`);
  }
  const { path } = options;
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(`Argument 'options.path' passed to '${fn}' must be a non-empty string, got ${describeValue(path)}`);
  }
  assertFingerprinted(fn, 'options.teacher', options.teacher);
  assertInputsFingerprinted(fn, 'options.dataset', options.dataset);
  let isFolder: boolean;
  try {
    isFolder = statSync(path).isDirectory();
  } catch (error) {
    throw new Error(`'${fn}' could not open ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (!isFolder) {
    const file = openCacheFile(fn, path, options);
    return cacheOf(path, file, [file], () => file);
  }
  const shards = openCacheShards(fn, path, (file) => openCacheFile(fn, file, options));
  return cacheOf(path, shards[0]!, shards, (index) => shards[index % shards.length]!);
}

/** One cache file, open, checked against the teacher and data set, its keys in memory. */
export interface CacheFile extends Omit<TeacherCacheInfo, 'path'> {
  readonly path: string;
  /** The `shard` metadata of a shard file (index, count, hash of every batch's keys), else null. */
  readonly shard: { index: number; count: number; batches: string } | null;
  /** The row of an example key, or undefined when the file does not hold it. */
  rowOf(key: string): number | undefined;
  /** Reads the outputs of `row` into `buffer` (numClasses float32, little-endian). */
  readRow(row: number, buffer: Buffer): void;
  close(): void;
}

/** Opens and checks one cache file (`fn` names the caller in errors). */
function openCacheFile(fn: string, path: string, options: OpenTeacherCacheOptions): CacheFile {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new Error(`'${fn}' could not open ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return openFd(fn, path, fd, options);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

function openFd(fn: string, path: string, fd: number, options: OpenTeacherCacheOptions): CacheFile {
  const what = `'${fn}': ${path}`;
  const { tensors, metadata, dataStart } = readHeader(fd, what);
  if (metadata.format === 'kd-teacher-cache/1') {
    throw new Error(`${what} was written by an earlier kd (format kd-teacher-cache/1, keyed to the labels too): build it again with buildTeacherCache`);
  }
  if (metadata.format !== FORMAT) {
    throw new Error(`${what} is not a teacher cache (metadata format ${describeValue(metadata.format)}, expected '${FORMAT}')`);
  }
  const teacherFingerprint = metadata.teacher_fingerprint ?? '';
  const inputsFingerprint = metadata.inputs_fingerprint ?? '';
  const wantTeacher = options.teacher.fingerprint();
  if (teacherFingerprint !== wantTeacher) {
    throw new Error(
      `${what} is stale: it was built by a teacher with fingerprint ${teacherFingerprint}, but the teacher given has fingerprint ${wantTeacher}`,
    );
  }
  const wantInputs = options.dataset.inputsFingerprint();
  if (inputsFingerprint !== wantInputs) {
    throw new Error(
      `${what} is stale: it was built on a data set with inputs fingerprint ${inputsFingerprint}, but the data set given has inputs fingerprint ${wantInputs}`,
    );
  }
  const kind = metadata.kind === 'probs' ? 'probs' : 'logits';
  const values = tensors[kind];
  const ids = tensors.indices;
  const names = JSON.parse(metadata.augmentation_params ?? '[]') as string[];
  const aug = tensors.augmentation;
  const size = ids?.shape[0] ?? -1;
  const numClasses = values?.shape[1] ?? -1;
  const shard = metadata.shard === undefined ? null : (JSON.parse(metadata.shard) as CacheFile['shard']);
  if (
    values?.dtype !== 'F32' ||
    ids?.dtype !== 'I32' ||
    values.shape[0] !== size ||
    String(numClasses) !== metadata.num_classes ||
    (names.length > 0 && (aug?.dtype !== 'F64' || aug.shape[0] !== size || aug.shape[1] !== names.length))
  ) {
    throw new Error(`${what} is corrupt: its tensors ${JSON.stringify(tensors)} do not match its metadata ${JSON.stringify(metadata)}`);
  }

  // Only the keys are held in memory; the outputs stay on disk.
  const idBytes = readAt(fd, dataStart + ids.data_offsets[0], size * 4);
  const augBytes = names.length > 0 ? readAt(fd, dataStart + aug!.data_offsets[0], size * names.length * 8) : null;
  const rows = new Map<string, number>();
  for (let row = 0; row < size; row++) {
    let params: Record<string, number> | null = null;
    if (augBytes) {
      params = {};
      for (let p = 0; p < names.length; p++) params[names[p]!] = augBytes.readDoubleLE((row * names.length + p) * 8);
    }
    const index = idBytes.readInt32LE(row * 4);
    if (shard && index % shard.count !== shard.index - 1) {
      throw new Error(`${what} is corrupt: it is shard ${shard.index} of ${shard.count}, but holds example ${index}, which is another shard's`);
    }
    rows.set(exampleKey(index, params), row);
  }
  const rowBytes = numClasses * 4;
  const valuesStart = dataStart + values.data_offsets[0];
  return {
    path,
    size,
    numClasses,
    stores: kind,
    temperature: kind === 'probs' ? Number(metadata.temperature) : null,
    teacherFingerprint,
    inputsFingerprint,
    augmentationParams: names,
    shard,
    rowOf: (key) => rows.get(key),
    readRow: (row, buffer) => readInto(fd, buffer, valuesStart + row * rowBytes),
    close: () => closeSync(fd),
  };
}

/**
 * The cache read from `files` (one file, or every shard of one): `fileOf(index)` says which file
 * holds the examples of data-set index `index`; `first` gives what they all share.
 */
function cacheOf(path: string, first: CacheFile, files: readonly CacheFile[], fileOf: (index: number) => CacheFile): TeacherCache {
  const { numClasses, stores: kind, temperature, augmentationParams: names } = first;
  const size = files.reduce((sum, file) => sum + file.size, 0);
  let open = true;

  const read = (method: string, batch: CacheBatch): Float32Array => {
    if (!open) throw new Error(`'TeacherCache.${method}' was called after close() on ${path}`);
    if (batch === null || typeof batch !== 'object' || typeof batch.indices?.length !== 'number') {
      throw new TypeError(`Argument 'batch' passed to 'TeacherCache.${method}' must have indices, got ${describeValue(batch)}`);
    }
    const n = batch.indices.length;
    const out = new Float32Array(n * numClasses);
    const buffer = Buffer.alloc(numClasses * 4);
    for (let k = 0; k < n; k++) {
      const index = batch.indices[k]!;
      const key = exampleKey(index, batch.augmentation?.[k] ?? null);
      const file = fileOf(index);
      const row = file.rowOf(key);
      if (row === undefined) {
        throw new Error(
          `'TeacherCache.${method}' found no cached output for example '${key}' in ${path} (${size} examples cached; augmentation parameters [${names.join(', ')}])`,
        );
      }
      file.readRow(row, buffer);
      for (let c = 0; c < numClasses; c++) out[k * numClasses + c] = buffer.readFloatLE(c * 4);
    }
    return out;
  };

  return {
    kind: 'teacherCache',
    path,
    size,
    numClasses,
    stores: kind,
    temperature,
    teacherFingerprint: first.teacherFingerprint,
    inputsFingerprint: first.inputsFingerprint,
    augmentationParams: names,
    has(index: number, params?: AugmentationParams | null): boolean {
      return fileOf(index).rowOf(exampleKey(index, params ?? null)) !== undefined;
    },
    logits(batch: CacheBatch): Tensor2D {
      if (kind !== 'logits') {
        throw new Error(`'TeacherCache.logits': ${path} holds probabilities at temperature ${temperature} (its teacher has no logits); use probs()`);
      }
      const data = read('logits', batch);
      return tf.tensor2d(data, [batch.indices.length, numClasses]);
    },
    probs(batch: CacheBatch, t = 1): Tensor2D {
      assertPositive('TeacherCache.probs', 'temperature', t);
      if (kind === 'probs' && t !== temperature) {
        throw new Error(
          `Argument 'temperature' passed to 'TeacherCache.probs' must be ${temperature}, the temperature ${path} was built at, got ${t}`,
        );
      }
      const stored = tf.tensor2d(read('probs', batch), [batch.indices.length, numClasses]);
      if (kind === 'probs') return stored;
      // Frozen like a teacher's own probs, so calling this inside a gradient scope records nothing.
      const soft = frozenForward(stored, (logits) => softmaxWithTemperature(logits, t)) as Tensor2D;
      stored.dispose();
      return soft;
    },
    close(): void {
      if (open) for (const file of files) file.close();
      open = false;
    },
  };
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  readInto(fd, buffer, position);
  return buffer;
}

function readInto(fd: number, buffer: Buffer, position: number): void {
  let done = 0;
  while (done < buffer.length) {
    const read = readSync(fd, buffer, done, buffer.length - done, position + done);
    if (read === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += read;
  }
}

function assertFingerprinted(fn: string, arg: string, value: unknown): asserts value is Fingerprinted {
  if (value === null || typeof value !== 'object' || typeof (value as Fingerprinted).fingerprint !== 'function') {
    throw new TypeError(`Argument '${arg}' passed to '${fn}' must have a fingerprint() method, got ${describeValue(value)}`);
  }
}

function assertInputsFingerprinted(fn: string, arg: string, value: unknown): asserts value is InputsFingerprinted {
  if (value === null || typeof value !== 'object' || typeof (value as InputsFingerprinted).inputsFingerprint !== 'function') {
    throw new TypeError(`Argument '${arg}' passed to '${fn}' must be a Dataset (with an inputsFingerprint() method), got ${describeValue(value)}`);
  }
}

/** `writeSync` until every byte is written (it may write less than asked). */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done, null);
}

function checkBatch(fn: string, batch: TransferBatch): number {
  const n = batch?.indices?.length;
  if (typeof n !== 'number' || batch.x?.shape?.[0] !== n) {
    throw new Error(
      `'${fn}' needs batches with x [n, ...] and n indices, got x of shape ${JSON.stringify(batch?.x?.shape)} and ${describeValue(n)} indices`,
    );
  }
  if (batch.augmentation && batch.augmentation.length !== n) {
    throw new Error(`'${fn}' needs one augmentation entry per example, got ${batch.augmentation.length} for ${n} examples`);
  }
  return n;
}

/** The batch's parameter names, sorted, the same for each of its examples. */
function paramNamesOf(fn: string, batch: TransferBatch, n: number): string[] {
  if (!batch.augmentation || n === 0) return [];
  const names = Object.keys(batch.augmentation[0]!).toSorted();
  for (let k = 1; k < n; k++) {
    const other = Object.keys(batch.augmentation[k]!).toSorted();
    if (other.join(',') !== names.join(',')) {
      throw new Error(`'${fn}' needs the same augmentation parameters for every example, got [${names.join(', ')}] and [${other.join(', ')}]`);
    }
  }
  return names;
}
