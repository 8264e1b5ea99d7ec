import { Dataset } from './dataset';
import type { TrainTest } from './mnist-style';
import { nodeModules } from './node-modules';

/** Options of {@link loadCifar}. */
export interface CifarOptions {
  /** CIFAR-100 only: the 100 `'fine'` classes or the 20 `'coarse'` superclasses. Default: `'fine'`. */
  labels?: 'fine' | 'coarse';
}

const SIDE = 32;
const PIXELS = SIDE * SIDE;
const IMAGE_BYTES = 3 * PIXELS;

interface Layout {
  variant: 'cifar10' | 'cifar100';
  labelBytes: number;
  labelOffset: number;
  numClasses: number;
  train: string[];
  test: string[];
  namesFile: string;
}

/**
 * Loads the binary version of CIFAR-10 (`data_batch_1.bin` .. `data_batch_5.bin`, `test_batch.bin`)
 * or CIFAR-100 (`train.bin`, `test.bin`) from `dir`, or from its `cifar-10-batches-bin` /
 * `cifar-100-binary` subfolder. Images become `[32, 32, 3]` HWC in [0, 1]; class names come from
 * `batches.meta.txt` or `fine_label_names.txt` / `coarse_label_names.txt` when present. Node only.
 */
export async function loadCifar(dir: string, options: CifarOptions = {}): Promise<TrainTest> {
  const fn = 'loadCifar';
  if (typeof dir !== 'string' || dir === '') {
    throw new Error(`Argument 'dir' passed to '${fn}' must be a directory path, got ${typeof dir}`);
  }
  const labelKind = options.labels ?? 'fine';
  if (labelKind !== 'fine' && labelKind !== 'coarse') {
    throw new Error(`Argument 'options.labels' passed to '${fn}' must be 'fine' or 'coarse', got ${String(labelKind)}`);
  }
  const { fs, path } = nodeModules(fn);
  const candidates = [dir, path.join(dir, 'cifar-10-batches-bin'), path.join(dir, 'cifar-100-binary')];
  let layout: Layout | undefined;
  let folder = dir;
  for (const candidate of candidates) {
    if (fs.existsSync(path.join(candidate, 'data_batch_1.bin'))) {
      layout = {
        variant: 'cifar10',
        labelBytes: 1,
        labelOffset: 0,
        numClasses: 10,
        train: [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`),
        test: ['test_batch.bin'],
        namesFile: 'batches.meta.txt',
      };
    } else if (fs.existsSync(path.join(candidate, 'train.bin'))) {
      layout = {
        variant: 'cifar100',
        labelBytes: 2,
        labelOffset: labelKind === 'coarse' ? 0 : 1,
        numClasses: labelKind === 'coarse' ? 20 : 100,
        train: ['train.bin'],
        test: ['test.bin'],
        namesFile: `${labelKind}_label_names.txt`,
      };
    }
    if (layout) {
      folder = candidate;
      break;
    }
  }
  if (!layout) {
    throw new Error(
      `'${fn}': '${dir}' holds neither CIFAR-10 (data_batch_1.bin) nor CIFAR-100 (train.bin) binary files`,
    );
  }
  const found = layout;
  const namesPath = path.join(folder, found.namesFile);
  let classNames: string[] | undefined;
  if (fs.existsSync(namesPath)) {
    const names = (await fs.promises.readFile(namesPath, 'utf8')).split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
    if (names.length !== found.numClasses) {
      throw new Error(`'${fn}': '${namesPath}' lists ${names.length} class names, expected ${found.numClasses}`);
    }
    classNames = names;
  }
  const part = async (files: string[]) => {
    const contents: { file: string; bytes: Uint8Array }[] = [];
    for (const name of files) {
      const file = path.join(folder, name);
      try {
        contents.push({ file, bytes: await fs.promises.readFile(file) });
      } catch (error) {
        throw new Error(`'${fn}' cannot read '${file}': ${(error as Error).message}`, { cause: error });
      }
    }
    return parseCifarRecords(contents, found, classNames);
  };
  return { train: await part(found.train), test: await part(found.test) };
}

function parseCifarRecords(
  contents: { file: string; bytes: Uint8Array }[],
  layout: Layout,
  classNames: string[] | undefined,
): Dataset {
  const recordBytes = layout.labelBytes + IMAGE_BYTES;
  let count = 0;
  for (const { file, bytes } of contents) {
    if (bytes.length % recordBytes !== 0) {
      throw new Error(
        `'loadCifar': '${file}' is ${bytes.length} bytes, not a whole number of ${layout.variant} records (${recordBytes} bytes each): truncated or not a CIFAR binary file`,
      );
    }
    count += bytes.length / recordBytes;
  }
  const images = new Float32Array(count * IMAGE_BYTES);
  const labels = new Int32Array(count);
  const scale = 1 / 255;
  let example = 0;
  for (const { file, bytes } of contents) {
    for (let start = 0; start < bytes.length; start += recordBytes, example++) {
      const label = bytes[start + layout.labelOffset]!;
      if (label >= layout.numClasses) {
        throw new Error(
          `'loadCifar': '${file}' record ${start / recordBytes} has label ${label}, outside [0, ${layout.numClasses})`,
        );
      }
      labels[example] = label;
      // Records store the red plane, then green, then blue; tfjs wants each pixel's channels together.
      const from = start + layout.labelBytes;
      const to = example * IMAGE_BYTES;
      for (let p = 0; p < PIXELS; p++) {
        images[to + 3 * p] = bytes[from + p]! * scale;
        images[to + 3 * p + 1] = bytes[from + PIXELS + p]! * scale;
        images[to + 3 * p + 2] = bytes[from + 2 * PIXELS + p]! * scale;
      }
    }
  }
  return new Dataset({
    images,
    imageShape: [SIDE, SIDE, 3],
    labels,
    numClasses: layout.numClasses,
    ...(classNames ? { classNames } : {}),
    source: contents.map((c) => c.file).join(', '),
  });
}
