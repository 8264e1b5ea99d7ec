import type { KernelBackend } from '@tensorflow/tfjs-core';

/**
 * Loading the WebAssembly backend ourselves in Node, so that it can use threads.
 *
 * tfjs-backend-wasm 4.22 switches threads off in Node: its threaded build starts its workers from
 * Blob URLs, which `worker_threads` cannot load, and the native code caps the thread pool at half
 * the logical cores. The emscripten modules it ships in `wasm-out/` work under `worker_threads`
 * when handed real files, so we instantiate them with file paths and construct tfjs's own
 * `BackendWasm` around the result: the kernels, memory management and data layout stay tfjs's.
 */

/** What `@tensorflow/tfjs-backend-wasm` exports that we use (its Node build is CommonJS). */
export interface WasmPackage {
  BackendWasm: new (module: unknown) => KernelBackend;
  setThreadsCount(threads: number): void;
  version_wasm: string;
}

interface EmscriptenWorker {
  unref(): void;
  terminate(): unknown;
}

interface EmscriptenModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  PThread?: { runningWorkers: EmscriptenWorker[]; unusedWorkers: EmscriptenWorker[] };
  tfjs?: unknown;
}

type EmscriptenFactory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

export interface WasmRuntime {
  backend: KernelBackend;
  threads: number;
  simd: boolean;
}

/**
 * Instantiates the fastest build this Node process can run (threaded SIMD, SIMD, or plain) and
 * returns a `BackendWasm` on it with `threads` threads (1 selects a single-threaded build).
 */
export async function createNodeWasmRuntime(
  wasmPackage: WasmPackage,
  threads: number,
  simd: boolean,
): Promise<WasmRuntime> {
  const { createRequire } = await import('node:module');
  const { dirname, join } = await import('node:path');
  const { readFile } = await import('node:fs/promises');
  const require = createRequire(import.meta.url);
  const wasmOut = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js'));

  // tfjs's native code runs at most 8 threads, and emscripten starts 8 workers beforehand; asking
  // for more would only start workers while the main thread waits on them.
  threads = Math.min(threads, 8);
  const worker = simd && threads > 1 && sharedMemoryWorks() ? await threadedWorkerScript(wasmOut) : undefined;
  const threaded = worker !== undefined;
  const build = threaded
    ? 'tfjs-backend-wasm-threaded-simd'
    : simd
    ? 'tfjs-backend-wasm-simd'
    : 'tfjs-backend-wasm';
  // One single-threaded glue script serves both the plain and the SIMD binary.
  const script = join(wasmOut, threaded ? `${build}.js` : 'tfjs-backend-wasm.js');
  const factory = require(script) as EmscriptenFactory;
  const binary = await readFile(join(wasmOut, `${build}.wasm`));

  const config: Record<string, unknown> = {
    locateFile: (path: string) => join(wasmOut, path),
    // The native code sizes its pool as min(requested, logical cores / 2), assuming
    // hyper-threading; we ask for exactly `threads`, so the core count it sees must allow it.
    instantiateWasm(
      imports: { env: Record<string, unknown> },
      receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
    ) {
      if (threaded) imports.env.emscripten_num_logical_cores = () => 2 * threads;
      void WebAssembly.instantiate(binary, imports as WebAssembly.Imports).then((result) =>
        receive(result.instance, result.module),
      );
      return {};
    },
  };
  if (worker) {
    config.locateFile = (path: string) => (path.endsWith('.worker.js') ? worker : join(wasmOut, path));
    config.mainScriptUrlOrBlob = script;
  }

  const globalWorker = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  const events = ['uncaughtException', 'unhandledRejection'];
  const emitter: NodeJS.EventEmitter = process;
  const listenersBefore = events.map((event) => emitter.listeners(event));
  const module = await factory(config);
  // The glue installs process-wide handlers that rethrow every error (for emscripten's exit(),
  // which tfjs never calls); left in place, any later crash prints the whole glue source.
  events.forEach((event, i) => {
    for (const listener of emitter.listeners(event)) {
      if (!listenersBefore[i]!.includes(listener))
        emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  });
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  wasmPackage.setThreadsCount(threads);
  const backend = new wasmPackage.BackendWasm(module);
  // The glue also sets a global `Worker` (browser code takes that for a browser). The thread pool
  // now exists, drawn from the workers emscripten started beforehand, so Node's globals go back
  // to what they were.
  if (globalWorker) Object.defineProperty(globalThis, 'Worker', globalWorker);
  else Reflect.deleteProperty(globalThis, 'Worker');
  const actualThreads = threaded ? module.cwrap('get_threads_count', 'number', [])() : 1;
  if (module.PThread) {
    // The pool's threads wait for work for the life of the process; a referenced worker would
    // keep Node from exiting when the script is done.
    for (const thread of module.PThread.runningWorkers) thread.unref();
    // Emscripten pre-starts 8 workers; the pool has taken what it needs.
    for (const idle of module.PThread.unusedWorkers) void idle.terminate();
    module.PThread.unusedWorkers.length = 0;
  }
  return { backend, threads: actualThreads, simd };
}

/** True when WebAssembly can share memory between threads in this process. */
function sharedMemoryWorks(): boolean {
  try {
    return (
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer
    );
  } catch {
    return false;
  }
}

/**
 * The path of the threaded build's worker script, or undefined (run single-threaded) when it
 * cannot be written, e.g. on a read-only temporary directory.
 */
async function threadedWorkerScript(wasmOut: string): Promise<string | undefined> {
  const { createRequire } = await import('node:module');
  const { join } = await import('node:path');
  const require = createRequire(import.meta.url);
  const { wasmWorkerContents } = require(join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  return writeWorkerScript(wasmWorkerContents).catch(() => undefined);
}

/**
 * Writes emscripten's worker script to a file `worker_threads` can start. The file name is the
 * content's hash, and it is written under a temporary name then renamed, so concurrent processes
 * never see a half-written file.
 */
async function writeWorkerScript(contents: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  const { mkdir, readFile, rename, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  // The glue ships the script as a JavaScript string whose line breaks must stay escaped, as
  // tfjs does before putting it in a Blob.
  const source = contents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'kd-backend');
  const file = join(dir, `wasm-worker-${hash}.cjs`);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== source) {
    await mkdir(dir, { recursive: true });
    const partial = `${file}.${process.pid}.${Date.now()}`;
    await writeFile(partial, source);
    await rename(partial, file);
  }
  return file;
}
