import { Dataset } from '@kd/data';
import { describe, expect, it } from 'vitest';
import { decodeDigits, encodeDigits } from './digits-file';

function digits(size: number, offset: number): Dataset {
  const images = Float32Array.from({ length: size * 784 }, (_, i) => ((i * 7 + offset) % 256) / 255);
  const labels = Int32Array.from({ length: size }, (_, i) => (i + offset) % 10);
  return new Dataset({ images, imageShape: [28, 28, 1], labels, numClasses: 10 });
}

describe('digits file', () => {
  it('round-trips train and test digits, pixels to the nearest 1/255', () => {
    const train = digits(5, 0);
    const test = digits(3, 4);
    const bytes = encodeDigits({ train, test });
    expect(bytes.length).toBe(12 + 8 * 785);
    const back = decodeDigits(bytes);
    for (const [a, b] of [[train, back.train], [test, back.test]] as const) {
      expect(b.size).toBe(a.size);
      expect(b.imageShape).toEqual([28, 28, 1]);
      expect(Array.from(b.labels)).toEqual(Array.from(a.labels));
      for (let i = 0; i < a.size; i++) {
        const diff = a.image(i).reduce((worst, v, p) => Math.max(worst, Math.abs(v - b.image(i)[p]!)), 0);
        expect(diff).toBeLessThanOrEqual(0.5 / 255 + 1e-7);
      }
    }
  });

  it('reads a file that starts at an offset of its buffer', () => {
    const bytes = encodeDigits({ train: digits(2, 1), test: digits(1, 2) });
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(Array.from(decodeDigits(padded.subarray(3)).test.labels)).toEqual([2]);
  });

  it.each([
    [new Uint8Array([75, 68, 68, 50, 0, 0, 0, 0, 0, 0, 0, 0]), "Argument 'bytes' passed to 'decodeDigits' must start with 'KDD1', got 'KDD2' (12 bytes)"],
    [encodeDigits({ train: digits(2, 0), test: digits(1, 0) }).subarray(0, 100), "Argument 'bytes' passed to 'decodeDigits' must hold 2367 bytes for 3 digits, got 100"],
  ])('rejects a bad file (%#)', (bytes, message) => {
    expect(() => decodeDigits(bytes)).toThrow(message);
  });

  it('rejects images that are not 28x28x1', () => {
    const small = new Dataset({ images: new Float32Array(16), imageShape: [4, 4, 1], labels: new Int32Array([1]), numClasses: 10 });
    expect(() => encodeDigits({ train: small, test: digits(1, 0) })).toThrow(
      "Argument 'train' passed to 'encodeDigits' must hold 28x28x1 images of at most 256 classes, got 4x4x1 images of 10 classes",
    );
  });
});
