import { Dataset } from './dataset';
import { parseIdxHeader } from './idx';
import { isGzip, nodeModules } from './node-modules';
import { assertInteger } from '@kd/core';

/** Options of {@link streamIdx}. */
export interface StreamIdxOptions {
  /** The IDX images file (uint8, `[n, height, width]` or `[n, height, width, channels]`), raw or gzipped. */
  images: string;
  /** The IDX labels file (uint8 `[n]`), raw or gzipped. Default: none (every example unlabeled). */
  labels?: string;
  /** Number of classes. Default: 10. */
  numClasses?: number;
  /** One name per class. */
  classNames?: readonly string[];
  /** Examples per chunk; memory held is about `chunkSize * height * width * channels * 4` bytes. Default: 10,000. */
  chunkSize?: number;
}

/** One chunk of a streamed file: a data set of up to `chunkSize` consecutive examples. */
export interface IdxChunk {
  /** The file index of the chunk's example 0 (example i of `dataset` is example `offset + i` of the file). */
  offset: number;
  /** The examples, pixels in [0, 1]. */
  dataset: Dataset;
}

// Pulls exact byte counts out of a stream of arbitrarily sized chunks.
class ByteReader {
  #pending: Uint8Array[] = [];
  #buffered = 0;
  #done = false;
  readonly #source: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  async #fill(bytes: number): Promise<void> {
    while (this.#buffered < bytes && !this.#done) {
      const { value, done } = await this.#source.next();
      if (done) this.#done = true;
      else if (value.length > 0) {
        this.#pending.push(value);
        this.#buffered += value.length;
      }
    }
  }

  /** Up to `bytes` bytes; fewer only at the end of the stream. */
  async read(bytes: number): Promise<Uint8Array> {
    await this.#fill(bytes);
    const out = new Uint8Array(Math.min(bytes, this.#buffered));
    let filled = 0;
    while (filled < out.length) {
      const head = this.#pending[0]!;
      const take = Math.min(head.length, out.length - filled);
      out.set(head.subarray(0, take), filled);
      filled += take;
      if (take === head.length) this.#pending.shift();
      else this.#pending[0] = head.subarray(take);
    }
    this.#buffered -= out.length;
    return out;
  }

  /** True when nothing is left. */
  async atEnd(): Promise<boolean> {
    await this.#fill(1);
    return this.#buffered === 0;
  }
}

/**
 * Streams an IDX data set too large for memory from disk in chunks, holding one chunk at a time
 * (plus the read-ahead of Node's streams), so memory stays bounded whatever the file's size. Each
 * chunk is a {@link Dataset}: batch it with {@link batches} (shuffling within the chunk). The files
 * are checked as they are read (magic number, types, equal counts, label range, and a file ending
 * early or carrying extra bytes); errors name the file. Leaving the loop early closes the files.
 * Node only.
 */
export async function* streamIdx(options: StreamIdxOptions): AsyncGenerator<IdxChunk, void, undefined> {
  const fn = 'streamIdx';
  if (options === null || typeof options !== 'object' || typeof options.images !== 'string') {
    throw new Error(`Argument 'options.images' passed to '${fn}' must be a file path, got ${typeof options?.images}`);
  }
  const numClasses = options.numClasses ?? 10;
  const chunkSize = options.chunkSize ?? 10_000;
  assertInteger(fn, 'numClasses', numClasses, 1, 256);
  assertInteger(fn, 'chunkSize', chunkSize, 1);
  const images = await openIdx(fn, options.images);
  let labels: Awaited<ReturnType<typeof openIdx>> | null = null;
  try {
    if (options.labels !== undefined) labels = await openIdx(fn, options.labels);
    const { header } = images;
    if (header.type !== 'uint8' || (header.shape.length !== 3 && header.shape.length !== 4)) {
      throw new Error(
        `'${fn}': '${options.images}' must hold uint8 images [n, height, width(, channels)], got ${header.type} of shape [${header.shape.join(', ')}]`,
      );
    }
    const [n, height, width, channels = 1] = header.shape as [number, number, number, number?];
    const exampleSize = height * width * channels;
    if (exampleSize === 0) throw new Error(`'${fn}': '${options.images}' has empty images: [${header.shape.join(', ')}]`);
    if (labels) {
      const shape = labels.header.shape;
      if (labels.header.type !== 'uint8' || shape.length !== 1) {
        throw new Error(
          `'${fn}': '${options.labels}' must hold uint8 labels [n], got ${labels.header.type} of shape [${shape.join(', ')}]`,
        );
      }
      if (shape[0] !== n) {
        throw new Error(
          `image and label counts differ: '${options.images}' has ${n} images, '${options.labels}' has ${shape[0]} labels`,
        );
      }
    }
    const scale = 1 / 255;
    for (let offset = 0; offset < n; offset += chunkSize) {
      const count = Math.min(chunkSize, n - offset);
      const bytes = await images.reader.read(count * exampleSize);
      if (bytes.length < count * exampleSize) {
        throw new Error(`'${fn}': '${options.images}' is truncated: it ends inside image ${offset + Math.floor(bytes.length / exampleSize)} of ${n}`);
      }
      const pixels = new Float32Array(count * exampleSize);
      for (let i = 0; i < pixels.length; i++) pixels[i] = bytes[i]! * scale;
      let chunkLabels: Int32Array | null = null;
      if (labels) {
        const labelBytes = await labels.reader.read(count);
        if (labelBytes.length < count) {
          throw new Error(`'${fn}': '${options.labels}' is truncated: it ends at label ${offset + labelBytes.length} of ${n}`);
        }
        chunkLabels = Int32Array.from(labelBytes);
        const bad = chunkLabels.findIndex((label) => label >= numClasses);
        if (bad >= 0) {
          throw new Error(`'${fn}': '${options.labels}': label ${chunkLabels[bad]} of example ${offset + bad} is outside [0, ${numClasses})`);
        }
      }
      const dataset = new Dataset({
        images: pixels,
        imageShape: [height, width, channels],
        labels: chunkLabels,
        numClasses,
        ...(options.classNames ? { classNames: options.classNames } : {}),
        source: options.images,
      });
      yield { offset, dataset };
    }
    for (const [file, opened] of [[options.images, images], [options.labels, labels]] as const) {
      if (opened && !(await opened.reader.atEnd())) {
        throw new Error(`'${fn}': '${file}' is too long: it has bytes after the ${n} examples its header declares`);
      }
    }
  } finally {
    images.close();
    labels?.close();
  }
}

async function openIdx(fn: string, file: string) {
  const { fs, zlib } = nodeModules(fn);
  let head: Uint8Array;
  try {
    const handle = await fs.promises.open(file, 'r');
    try {
      head = new Uint8Array(2);
      const { bytesRead } = await handle.read(head, 0, 2, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new Error(`'${fn}' cannot read '${file}': ${(error as Error).message}`, { cause: error });
  }
  const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  const gunzip = isGzip(head) ? zlib.createGunzip() : null;
  // pipe() does not forward a read error to the gunzip stream; without this it would wait forever.
  if (gunzip) raw.on('error', (error) => gunzip.destroy(error));
  const stream = gunzip ? raw.pipe(gunzip) : raw;
  const streamErrors = async function* () {
    try {
      for await (const chunk of stream) yield chunk as Uint8Array;
    } catch (error) {
      throw new Error(`'${fn}': reading '${file}' failed: ${(error as Error).message}`, { cause: error });
    }
  };
  const reader = new ByteReader(streamErrors());
  const close = () => {
    raw.destroy();
    gunzip?.destroy();
  };
  try {
    const start = await reader.read(4);
    const rank = start.length === 4 && start[0] === 0 && start[1] === 0 ? start[3]! : 0;
    const rest = await reader.read(4 * rank);
    const bytes = new Uint8Array(start.length + rest.length);
    bytes.set(start);
    bytes.set(rest, start.length);
    return { header: parseIdxHeader(bytes, file), reader, close };
  } catch (error) {
    close();
    throw error;
  }
}
