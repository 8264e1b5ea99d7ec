import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheFile } from './teacher-cache';

/** One of `count` shards of a teacher cache, numbered from 1: the examples of index `index - 1` mod `count`. */
export interface CacheShard {
  index: number;
  count: number;
}

/** The file a shard is written to in the shards' folder: `shard-2-of-4.safetensors`. */
export function shardFileName({ index, count }: CacheShard): string {
  return `shard-${index}-of-${count}.safetensors`;
}

/**
 * Opens every `*.safetensors` file in `dir` with `open` (which checks each as a single cache file:
 * format, teacher, inputs) and checks that together they are every shard of one cache, once:
 * returns them in shard order. The files are read where they lie, whoever wrote them.
 */
export function openCacheShards(fn: string, dir: string, open: (path: string) => CacheFile): CacheFile[] {
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.safetensors') && !name.startsWith('.'))
    .toSorted();
  if (names.length === 0) {
    throw new Error(`'${fn}': ${dir} holds no cache shards (.safetensors files written by buildTeacherCache with options.shard)`);
  }
  const files: CacheFile[] = [];
  try {
    for (const name of names) files.push(open(join(dir, name)));
    return inShardOrder(`'${fn}': ${dir}`, files);
  } catch (error) {
    for (const file of files) file.close();
    throw error;
  }
}

function inShardOrder(what: string, files: readonly CacheFile[]): CacheFile[] {
  const first = files[0]!;
  const whole = files.find((file) => file.shard === null);
  if (whole) throw new Error(`${what} is not a folder of cache shards: ${whole.path} is a whole cache (built without options.shard)`);
  const { count, batches } = first.shard!;
  const byIndex: Array<CacheFile | undefined> = Array.from({ length: count });
  for (const file of files) {
    const shard = file.shard!;
    if (shard.count !== count) {
      throw new Error(`${what} mixes shard counts: ${first.path} is shard ${first.shard!.index} of ${count}, ${file.path} shard ${shard.index} of ${shard.count}`);
    }
    if (
      shard.batches !== batches ||
      file.stores !== first.stores ||
      file.temperature !== first.temperature ||
      file.augmentationParams.join(',') !== first.augmentationParams.join(',')
    ) {
      throw new Error(
        `${what}: shard ${shard.index} of ${count} (${file.path}) is stale: it was built from other batches (data, seed, epochs or augmentation) or at another temperature than ${first.path}; build every shard from the same batches`,
      );
    }
    const twin = byIndex[shard.index - 1];
    if (twin) throw new Error(`${what} holds shard ${shard.index} of ${count} twice: ${twin.path} and ${file.path}; remove one`);
    byIndex[shard.index - 1] = file;
  }
  const missing = byIndex.flatMap((file, i) => (file ? [] : [i + 1]));
  if (missing.length > 0) {
    throw new Error(
      `${what} is missing shard${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${count} (${missing.map((index) => shardFileName({ index, count })).join(', ')}): build ${missing.length === 1 ? 'it' : 'them'} with buildTeacherCache and options.shard`,
    );
  }
  return byIndex as CacheFile[];
}
