import { fstatSync, readSync } from 'node:fs';

/**
 * The safetensors format (Hugging Face), the subset this package writes and reads: an 8-byte
 * little-endian header length N, N bytes of JSON (`{ name: { dtype, shape, data_offsets } }` plus a
 * `__metadata__` map of strings), then the raw little-endian data the offsets index. Readable from
 * Python with `safetensors.numpy.load_file` or a few lines of `struct` and `json`.
 */

export type SafetensorsDtype = 'F32' | 'F64' | 'I32';

export const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4 };

export interface TensorEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range within the data section (after the header). */
  data_offsets: [number, number];
}

export interface SafetensorsHeader {
  tensors: Record<string, TensorEntry>;
  metadata: Record<string, string>;
  /** Absolute file offset where the data section starts: 8 + N. */
  dataStart: number;
}

/**
 * Encodes a header for tensors laid out in the given order, contiguously from offset 0. The JSON is
 * padded with spaces (the format allows it) so the data section starts 8-byte aligned, which keeps
 * F64 tensors aligned for readers that map the file.
 */
export function encodeHeader(
  layout: ReadonlyArray<{ name: string; dtype: SafetensorsDtype; shape: number[] }>,
  metadata: Record<string, string>,
): { bytes: Buffer; tensors: Record<string, TensorEntry> } {
  const tensors: Record<string, TensorEntry> = {};
  let offset = 0;
  for (const { name, dtype, shape } of layout) {
    const size = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    tensors[name] = { dtype, shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = Buffer.from(JSON.stringify({ __metadata__: metadata, ...tensors }), 'utf8');
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return { bytes: Buffer.concat([length, json]), tensors };
}

/** Longest header accepted: guards against reading a huge length from a file that is not safetensors. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** Reads and checks the header of an open safetensors file; `what` names the file in errors. */
export function readHeader(fd: number, what: string): SafetensorsHeader {
  const fileSize = fstatSync(fd).size;
  const lengthBytes = Buffer.alloc(8);
  if (fileSize < 8 || readSync(fd, lengthBytes, 0, 8, 0) !== 8) {
    throw new Error(`${what} is not a safetensors file: it is ${fileSize} bytes long`);
  }
  const length = Number(lengthBytes.readBigUInt64LE());
  if (length < 2 || length > MAX_HEADER_BYTES || 8 + length > fileSize) {
    throw new Error(`${what} is not a safetensors file (or is truncated): header length ${length}, file size ${fileSize}`);
  }
  const json = Buffer.alloc(length);
  readSync(fd, json, 0, length, 8);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${what} has a corrupt safetensors header: ${(error as Error).message}`, { cause: error });
  }
  const { __metadata__: metadata = {}, ...tensors } = parsed;
  const dataStart = 8 + length;
  let end = 0;
  for (const [name, entry] of Object.entries(tensors as Record<string, TensorEntry>)) {
    const bytes = DTYPE_BYTES[entry?.dtype];
    const [begin, stop] = entry?.data_offsets ?? [];
    const expected = bytes === undefined || !Array.isArray(entry.shape) ? Number.NaN : entry.shape.reduce((a, b) => a * b, 1) * bytes;
    if (typeof begin !== 'number' || typeof stop !== 'number' || stop - begin !== expected) {
      throw new Error(`${what} has a corrupt safetensors entry '${name}': ${JSON.stringify(entry)}`);
    }
    end = Math.max(end, stop);
  }
  if (dataStart + end !== fileSize) {
    throw new Error(`${what} is truncated or corrupt: its header indexes ${dataStart + end} bytes, the file has ${fileSize}`);
  }
  return { tensors: tensors as Record<string, TensorEntry>, metadata: metadata as Record<string, string>, dataStart };
}
