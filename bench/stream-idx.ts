// Streams an IDX file of more than 1 GB that it generates (1,400,000 images of 28x28 bytes plus
// their labels), batching every chunk, and prints the peak RSS: memory stays bounded by the chunk
// size, not the file size. Prints numbers; asserts nothing. Deletes the files afterwards.
//   npx tsx --conditions=@kd/source bench/stream-idx.ts [chunkSize] [gzip]
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRng } from '@kd/core';
import { batches, streamIdx } from '@kd/data';

const chunkSize = Number(process.argv[2] ?? 10_000);
const gzip = process.argv[3] === 'gzip';
const count = 1_400_000;
const side = 28;
await tf.setBackend('cpu');

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const peakRss = () => process.resourceUsage().maxRSS * 1024;

function header(type: number, shape: number[]): Buffer {
  const bytes = Buffer.alloc(4 + 4 * shape.length);
  bytes[2] = type;
  bytes[3] = shape.length;
  shape.forEach((d, i) => bytes.writeUInt32BE(d, 4 + 4 * i));
  return bytes;
}

async function writeFile(path: string, head: Buffer, body: (write: (chunk: Buffer) => Promise<void>) => Promise<void>) {
  const file = createWriteStream(path);
  const zip = gzip ? createGzip({ level: 1 }) : null;
  const sink = zip ?? file;
  if (zip) zip.pipe(file);
  const write = async (chunk: Buffer) => {
    if (!sink.write(chunk)) await once(sink, 'drain');
  };
  await write(head);
  await body(write);
  sink.end();
  await once(file, 'close');
}

const dir = mkdtempSync(join(tmpdir(), 'kd-stream-bench-'));
try {
  const images = join(dir, `images.idx${gzip ? '.gz' : ''}`);
  const labels = join(dir, `labels.idx${gzip ? '.gz' : ''}`);
  let start = performance.now();
  const rng = createRng(1);
  // A few thousand distinct random images, repeated: writing 1 GB of fresh randomness would
  // measure the generator, not the reader.
  const block = Buffer.from(Array.from({ length: 4096 * side * side }, () => rng.int(256)));
  await writeFile(images, header(0x08, [count, side, side]), async (write) => {
    for (let done = 0; done < count; done += 4096) {
      const n = Math.min(4096, count - done);
      await write(block.subarray(0, n * side * side));
    }
  });
  await writeFile(labels, header(0x08, [count]), async (write) => {
    await write(Buffer.from(Array.from({ length: count }, (_, i) => i % 10)));
  });
  console.log(
    `wrote ${images}: ${mib(statSync(images).size)} (${count} images${gzip ? ', gzipped' : ''}) in ${((performance.now() - start) / 1000).toFixed(1)} s`,
  );
  const rssBefore = process.memoryUsage().rss;
  console.log(`RSS before streaming: ${mib(rssBefore)}, peak so far: ${mib(peakRss())}`);

  start = performance.now();
  let seen = 0;
  let batchCount = 0;
  let chunks = 0;
  for await (const { dataset } of streamIdx({ images, labels, chunkSize })) {
    chunks++;
    for (const batch of batches(dataset, { batchSize: 128, seed: 1, epoch: chunks, flatten: true })) {
      seen += batch.indices.length;
      batchCount++;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  if (seen !== count) throw new Error(`saw ${seen} of ${count} examples`);
  console.log(
    `streamed ${count} images in ${chunks} chunks of ${chunkSize} (${batchCount} batches of 128) in ${seconds.toFixed(1)} s: ${(count / seconds).toFixed(0)} images/s`,
  );
  console.log(
    `peak RSS: ${mib(peakRss())} for a ${mib(statSync(images).size)} file (one chunk as float32: ${mib(chunkSize * side * side * 4)}); RSS now ${mib(process.memoryUsage().rss)}; tensors alive: ${tf.memory().numTensors}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
