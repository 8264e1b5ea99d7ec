/**
 * kd's native CPU kernels: a Node-API addon built on oneDNN, shipped prebuilt (with the libraries
 * it loads) in a platform package such as `@kd/backend-linux-x64-gnu`, an optional dependency that
 * npm installs only where it fits. Every kernel works in place on the heap of tfjs's wasm backend:
 * `heap` is a typed array over that heap and the numbers after it are byte offsets into it.
 */
export interface NativeAddon {
  info(): NativeInfo;
  setThreads(threads: number): void;
  matmul(
    heap: Uint8Array,
    a: number,
    b: number,
    c: number,
    bias: number,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: number,
    transposeB: number,
    batchStrideA: number,
    batchStrideB: number,
    activation: number,
    alpha: number,
  ): void;
  conv2d(
    heap: Uint8Array,
    direction: number,
    x: number,
    filter: number,
    y: number,
    bias: number,
    outChannels: number,
    activation: number,
    alpha: number,
    ...window: number[]
  ): void;
  pool(heap: Uint8Array, max: number, x: number, y: number, ...window: number[]): void;
  poolGrad(heap: Uint8Array, max: number, dy: number, x: number, dx: number, ...window: number[]): void;
  adam(
    heap: Uint8Array,
    param: number,
    m: number,
    v: number,
    grad: number,
    newParam: number,
    newM: number,
    newV: number,
    accBeta1: number,
    accBeta2: number,
    size: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    learningRate: number,
  ): void;
  sumRows(heap: Uint8Array, x: number, out: number, rows: number, cols: number): void;
  binary(heap: Uint8Array, op: number, a: number, b: number, out: number, rows: number, cols: number, bIsRow: number): void;
  unary(heap: Uint8Array, op: number, x: number, out: number, size: number, alpha: number): void;
}

/** What the native kernels run on, as `useBackend('native')` reports it in `BackendInfo.native`. */
export interface NativeInfo {
  /** The library behind matrix products and convolutions: `oneDNN`. */
  library: string;
  /** Its version, e.g. `2.6.3`. */
  version: string;
  /** The instruction set oneDNN generates code for on this CPU, in its words (e.g. `avx512_core_bf16`, `avx2`). */
  isa: string;
  /** The build of kd's own kernels (pooling, Adam, reductions) chosen for this CPU: `avx512`, `avx2` or `baseline`. */
  kernelIsa: string;
  /** Threads in the native pool. */
  threads: number;
}

/** The npm package that holds the prebuilt addon for this platform, e.g. `@kd/backend-linux-x64-gnu`. */
export function nativePackageName(): string {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const libc = process.platform === 'linux' ? (report?.header?.glibcVersionRuntime ? '-gnu' : '-musl') : '';
  return `@kd/backend-${process.platform}-${process.arch}${libc}`;
}

/** The platforms a prebuilt addon is published for. */
export const prebuiltPlatforms: readonly string[] = ['@kd/backend-linux-x64-gnu'];

/**
 * Loads the addon: from `KD_NATIVE_ADDON` (a path to a `kd_backend.node` you built) when set,
 * else from this platform's package. Throws an Error that says why it cannot, and what to do.
 */
export async function loadNativeAddon(env: Record<string, string | undefined> = process.env): Promise<NativeAddon> {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const path = env.KD_NATIVE_ADDON?.trim();
  const name = nativePackageName();
  if (!path && !prebuiltPlatforms.includes(name)) {
    throw new Error(
      `no prebuilt native kernels for ${process.platform}-${process.arch} (${name}); build them from source as @kd/backend's README says, then set KD_NATIVE_ADDON`,
    );
  }
  try {
    return require(path || name) as NativeAddon;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const hint = path
      ? 'check KD_NATIVE_ADDON'
      : (error as { code?: string }).code === 'MODULE_NOT_FOUND'
        ? `install it (npm installs ${name} with @kd/backend unless optional dependencies are omitted); in a clone of kd, \`npm run build:native\``
        : 'it needs glibc >= 2.34 and the libstdc++ of GCC >= 11';
    throw new Error(`the native kernels did not load from ${path || name} (${reason}): ${hint}`, { cause: error });
  }
}
