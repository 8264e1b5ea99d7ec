import type * as Fs from 'node:fs';
import type * as Module from 'node:module';
import type * as Path from 'node:path';
import type * as Zlib from 'node:zlib';

/**
 * Node's built-in modules, fetched at call time with `process.getBuiltinModule` rather than
 * imported: the package's single entry point then bundles for the browser (Dataset, batches and
 * augmentations work there), and only calling a file loader needs Node.
 */
export interface NodeModules {
  fs: typeof Fs;
  path: typeof Path;
  zlib: typeof Zlib;
  module: typeof Module;
}

export function nodeModules(fn: string): NodeModules {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') {
    throw new Error(`'${fn}' reads files and needs Node.js >= 20.16; it cannot run in this environment`);
  }
  const get = proc.getBuiltinModule.bind(proc);
  return {
    fs: get('node:fs') as typeof Fs,
    path: get('node:path') as typeof Path,
    zlib: get('node:zlib') as typeof Zlib,
    module: get('node:module') as typeof Module,
  };
}

/** True when `bytes` start with gzip's magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Reads a whole file, gunzipping it when it is gzipped; errors name the function and the file. */
export async function readMaybeGzipped(fn: string, file: string): Promise<Uint8Array> {
  const { fs, zlib } = nodeModules(fn);
  let raw: Uint8Array;
  try {
    raw = await fs.promises.readFile(file);
  } catch (error) {
    throw new Error(`'${fn}' cannot read '${file}': ${(error as Error).message}`, { cause: error });
  }
  if (!isGzip(raw)) return raw;
  return new Promise((resolve, reject) => {
    zlib.gunzip(raw, (error, result) => {
      if (error) {
        reject(new Error(`'${fn}': '${file}' is not a valid gzip file: ${error.message}`, { cause: error }));
      } else {
        resolve(result);
      }
    });
  });
}
