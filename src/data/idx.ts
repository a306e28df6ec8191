// IDX files, the format of MNIST and its kin (Fashion-MNIST, EMNIST, KMNIST): a magic
// of two zero bytes, a type code and a dimension count, big-endian dimension sizes,
// then the values big-endian. Gzipped files (.gz) are inflated with Node's zlib.
import { gunzipSync } from 'node:zlib';
import type { NpyArray } from './npy.js';

const TYPES: Record<number, [number, (v: DataView, o: number) => number]> = {
  0x08: [1, (v, o) => v.getUint8(o)],
  0x09: [1, (v, o) => v.getInt8(o)],
  0x0b: [2, (v, o) => v.getInt16(o)],
  0x0c: [4, (v, o) => v.getInt32(o)],
  0x0d: [4, (v, o) => v.getFloat32(o)],
  0x0e: [8, (v, o) => v.getFloat64(o)],
};

export function parseIdx(input: Uint8Array, file: string): NpyArray {
  const fail = (problem: string): never => {
    throw new Error(`mote: ${file}: ${problem}`);
  };
  let bytes = input;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      return fail(`bad gzip data (${(e as Error).message})`);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) fail('not an IDX file (bad magic)');
  const type = TYPES[bytes[2]];
  if (!type) fail(`IDX type code 0x${bytes[2].toString(16)} is not known`);
  const dims = bytes[3];
  if (dims === 0) fail('IDX file with no dimensions');
  if (bytes.length < 4 + 4 * dims) fail('header truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = [...Array(dims).keys()].map((i) => view.getUint32(4 + 4 * i));
  const [size, read] = type;
  const count = shape.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * dims;
  if (start + count * size !== bytes.length)
    fail(`shape [${shape}] needs ${count * size} bytes of data, the file has ${bytes.length - start}`);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = read(view, start + i * size);
  return { shape, data };
}
