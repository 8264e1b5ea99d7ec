import { argumentError, assertInteger } from './argument-checks';

/**
 * The state of an {@link Rng}: a plain JSON-serialisable object. `restoreRng(state)` continues the
 * sequence bit-identically, so checkpoints can store it.
 */
export interface RngState {
  readonly algorithm: 'xoshiro128**';
  /** The four 32-bit state words, as unsigned integers. */
  readonly words: readonly [number, number, number, number];
}

/** The one seeded random number generator of kd (xoshiro128**, seeded through a 32-bit mixer). */
export interface Rng {
  /** A uniform number in [0, 1) with 53 random bits. */
  next(): number;
  /** A uniform integer in [0, n), without modulo bias; `n` is an integer in [1, 2^32]. */
  int(n: number): number;
  /** A standard normal number (mean 0, variance 1). */
  normal(): number;
  /** Shuffles `array` in place (Fisher-Yates) and returns it. */
  shuffle<T>(array: T[]): T[];
  /** A uniformly random permutation of 0 .. n-1. */
  permutation(n: number): Int32Array;
  /** A snapshot of the generator's state; the generator keeps running independently. */
  state(): RngState;
  /** Replaces this generator's state with `state` (from `state()` on this or another Rng). */
  setState(state: RngState): void;
}

const TWO_POW_32 = 4294967296;

// murmur3's finaliser: every input bit affects every output bit, so nearby seeds give unrelated
// streams.
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function checkSeed(fn: string, arg: string, seed: unknown): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw argumentError(fn, arg, 'a safe integer', seed);
  }
}

// Folds a safe integer (negative ones included) into 32 bits using both halves.
function fold(seed: number): number {
  const high = Math.floor(seed / TWO_POW_32);
  return mix32((seed >>> 0) ^ mix32(high ^ 0x9e3779b9));
}

/**
 * Derives a new seed from `seed` and a list of integers (for example a stream tag, an epoch and an
 * example index). Used to give each purpose its own independent stream from one user seed.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  checkSeed('deriveSeed', 'seed', seed);
  let h = fold(seed);
  parts.forEach((part, i) => {
    checkSeed('deriveSeed', `parts[${i}]`, part);
    h = mix32(Math.imul(h ^ fold(part), 0x9e3779b1) + i + 1);
  });
  return h;
}

class Xoshiro128 implements Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  constructor(words: readonly [number, number, number, number]) {
    [this.s0, this.s1, this.s2, this.s3] = words;
  }

  private nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  next(): number {
    const high = this.nextUint32() >>> 5;
    const low = this.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  int(n: number): number {
    assertInteger('Rng.int', 'n', n, 1, TWO_POW_32);
    // Rejecting the top partial block of 2^32 makes every residue equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let draw = this.nextUint32();
    while (draw >= limit) draw = this.nextUint32();
    return draw % n;
  }

  normal(): number {
    // Box-Muller without a cached second value, so the state alone determines what comes next.
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  shuffle<T>(array: T[]): T[] {
    if (!Array.isArray(array)) throw argumentError('Rng.shuffle', 'array', 'an array', array);
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const held = array[i] as T;
      array[i] = array[j] as T;
      array[j] = held;
    }
    return array;
  }

  permutation(n: number): Int32Array {
    assertInteger('Rng.permutation', 'n', n, 0, 2 ** 31 - 1);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const held = out[i]!;
      out[i] = out[j]!;
      out[j] = held;
    }
    return out;
  }

  state(): RngState {
    return { algorithm: 'xoshiro128**', words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0] };
  }

  setState(state: RngState): void {
    [this.s0, this.s1, this.s2, this.s3] = checkState('Rng.setState', state);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

function checkState(fn: string, state: unknown): [number, number, number, number] {
  const words = (state as RngState | null)?.words;
  const valid =
    (state as RngState | null)?.algorithm === 'xoshiro128**' &&
    Array.isArray(words) &&
    words.length === 4 &&
    words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32) &&
    words.some((w) => w !== 0);
  if (!valid) {
    throw new Error(
      `Argument 'state' passed to '${fn}' must be an RngState ({ algorithm: 'xoshiro128**', words: four uint32, not all 0 }), got ${JSON.stringify(state)}`,
    );
  }
  return [words[0] | 0, words[1] | 0, words[2] | 0, words[3] | 0];
}

/**
 * A generator seeded with `seed` (any safe integer). Equal seeds give equal sequences on every
 * platform: the generator uses 32-bit integer arithmetic only.
 */
export function createRng(seed: number): Rng {
  checkSeed('createRng', 'seed', seed);
  const base = fold(seed);
  const words: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) words[i] = mix32(base + Math.imul(i + 1, 0x9e3779b9)) | 0;
  // xoshiro's only bad state is all zeros.
  if (words.every((w) => w === 0)) words[0] = 1;
  return new Xoshiro128(words);
}

/** A generator that continues exactly where the one that produced `state` was. */
export function restoreRng(state: RngState): Rng {
  return new Xoshiro128(checkState('restoreRng', state));
}
