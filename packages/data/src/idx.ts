/** The element types the IDX format defines, by the names of their typed arrays. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** An IDX file's contents: element type, shape (any rank, 0 included) and the values. */
export interface IdxArray {
  type: IdxType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { type: IdxType; bytes: number }> = {
  0x08: { type: 'uint8', bytes: 1 },
  0x09: { type: 'int8', bytes: 1 },
  0x0b: { type: 'int16', bytes: 2 },
  0x0c: { type: 'int32', bytes: 4 },
  0x0d: { type: 'float32', bytes: 4 },
  0x0e: { type: 'float64', bytes: 8 },
};

function hex(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** The parts of an IDX header. */
export interface IdxHeader {
  type: IdxType;
  shape: number[];
  /** Bytes per element. */
  elementBytes: number;
  /** Bytes the header takes (4 + 4 per dimension). */
  headerBytes: number;
  /** Bytes the data must take: elementBytes times the product of the shape. */
  dataBytes: number;
}

/**
 * Reads an IDX header from the start of `bytes` (at least the first 4 + 4 * rank bytes). `source`
 * names the file in errors.
 */
export function parseIdxHeader(bytes: Uint8Array, source: string): IdxHeader {
  const fail = (what: string) => new Error(`IDX file '${source}': ${what}`);
  if (bytes.length < 4) {
    throw fail(`is ${bytes.length} bytes long, shorter than the 4-byte IDX header`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), hex).join('');
    throw fail(`wrong magic number 0x${magic}: an IDX file starts with two zero bytes, a type code and the rank`);
  }
  const code = bytes[2]!;
  const element = TYPES[code];
  if (!element) {
    throw fail(`unknown element type code 0x${hex(code)} (IDX defines 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e)`);
  }
  const rank = bytes[3]!;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw fail(`is truncated: the header of a rank-${rank} array takes ${headerBytes} bytes, the file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < rank; d++) {
    const size = view.getUint32(4 + 4 * d, false);
    shape.push(size);
    count *= size;
  }
  return { type: element.type, shape, elementBytes: element.bytes, headerBytes, dataBytes: count * element.bytes };
}

/**
 * Parses an IDX file held in memory (already gunzipped): any element type the format defines
 * (unsigned / signed byte, int16, int32, float32, float64; multi-byte values big-endian) and any
 * rank. `source` names the file in errors: a wrong magic number, an unknown type, a file shorter or
 * longer than its header says. Byte data is returned as a view of `bytes`, not a copy.
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (!(bytes instanceof Uint8Array)) {
    throw new Error(`Argument 'bytes' passed to 'parseIdx' must be a Uint8Array, got ${typeof bytes}`);
  }
  const header = parseIdxHeader(bytes, source);
  const { type, shape, headerBytes, dataBytes, elementBytes } = header;
  const available = bytes.length - headerBytes;
  if (available < dataBytes) {
    throw new Error(
      `IDX file '${source}': is truncated: shape [${shape.join(', ')}] of ${type} needs ${dataBytes} data bytes, the file has ${available}`,
    );
  }
  if (available > dataBytes) {
    throw new Error(
      `IDX file '${source}': is too long: shape [${shape.join(', ')}] of ${type} needs ${dataBytes} data bytes, the file has ${available - dataBytes} more`,
    );
  }
  const start = bytes.byteOffset + headerBytes;
  const count = dataBytes / elementBytes;
  if (type === 'uint8') return { type, shape, data: new Uint8Array(bytes.buffer, start, count) };
  if (type === 'int8') return { type, shape, data: new Int8Array(bytes.buffer, start, count) };
  const view = new DataView(bytes.buffer, start, dataBytes);
  switch (type) {
    case 'int16': {
      const data = new Int16Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(2 * i, false);
      return { type, shape, data };
    }
    case 'int32': {
      const data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(4 * i, false);
      return { type, shape, data };
    }
    case 'float32': {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(4 * i, false);
      return { type, shape, data };
    }
    default: {
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(8 * i, false);
      return { type, shape, data };
    }
  }
}
