// Structure-aware mutators: each picks one kind of field from a corpus file's layout
// (layout.ts) and writes a value chosen to sit on an edge (0, 1, a dimension ± 1, the
// type's limits, a huge size, NaN, ±Inf, 3.4e38, a subnormal). The header length and
// CRC are fixed up afterwards (mutate.ts), so every case reaches the parsers.
import type { Field, Layout } from './layout.js';

type Rand = () => number;

function int(rand: Rand, n: number): number {
  return Math.floor(rand() * n);
}

function pick<T>(rand: Rand, a: readonly T[]): T {
  return a[int(rand, a.length)];
}

/** Values that sit on the edges of a field of the given type, around its current value `v`. */
function edges(type: Field['type'], v: number): number[] {
  switch (type) {
    case 'u8':
      return [0, 1, 2, v - 1, v + 1, 7, 8, 9, 15, 16, 127, 128, 255];
    case 'u16':
    case 'i16':
      return [0, 1, 2, v - 1, v + 1, v * 2, 0xff, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff];
    case 'u32':
      return [
        0,
        1,
        2,
        v - 1,
        v + 1,
        v * 2,
        v * 16,
        v * 1024,
        0xffff,
        0x10000,
        0x1000000,
        0x7fffffff,
        0x80000000,
        0xffffffff,
      ];
    case 'f32':
      return NON_FINITE;
  }
}

/**
 * Floats that break arithmetic: NaN, ±Inf, the largest float32 and 3.4e38 (finite, but
 * a sum of two overflows), 1e30, 1.8e19 (just under the loader's bound of 2^64), subnormals (slow paths on some FPUs), the smallest
 * normal, −0, and an exact 0 (a zero scale or std).
 */
export const NON_FINITE = [
  NaN,
  Infinity,
  -Infinity,
  3.4e38,
  -3.4e38,
  3.4028234663852886e38,
  1e30,
  -1e30,
  // Just under 2^64, the largest magnitude the loader lets a stored float have.
  1.8e19,
  -1.8e19,
  1e-45,
  -1e-45,
  1.1754943508222875e-38,
  -0,
  0,
];

function read(view: DataView, f: Field): number {
  switch (f.type) {
    case 'u8':
      return view.getUint8(f.at);
    case 'u16':
      return view.getUint16(f.at, true);
    case 'i16':
      return view.getInt16(f.at, true);
    case 'u32':
      return view.getUint32(f.at, true);
    case 'f32':
      return view.getFloat32(f.at, true);
  }
}

function write(view: DataView, f: Field, v: number): void {
  switch (f.type) {
    case 'u8':
      return view.setUint8(f.at, v & 0xff);
    case 'u16':
    case 'i16':
      return view.setUint16(f.at, v & 0xffff, true);
    case 'u32':
      return view.setUint32(f.at, v >>> 0, true);
    case 'f32':
      return view.setFloat32(f.at, v, true);
  }
}

/** Sets 1..`most` fields from `fields` to edge values; the description of what was set. */
export function setFields(bytes: Uint8Array, rand: Rand, fields: Field[], most = 1): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = 1 + int(rand, most);
  const done: string[] = [];
  for (let k = 0; k < n; k++) {
    const f = pick(rand, fields);
    const old = read(view, f);
    const v = pick(rand, edges(f.type, old));
    write(view, f, v);
    done.push(`${f.what} ${old} -> ${read(view, f)}`);
  }
  return done.join('; ');
}

/**
 * Rewrites one Huffman code-length table (4-bit lengths, two per byte): one length
 * changed, all lengths equal, all 15 (over-subscribed), all 0 (no codes), one code
 * alone, or random nibbles.
 */
export function mutateHuffman(bytes: Uint8Array, rand: Rand, l: Layout): string {
  const [at, n] = pick(rand, l.huffman);
  const nibbles = n * 2;
  const get = (i: number): number => (i & 1 ? bytes[at + (i >> 1)] & 15 : bytes[at + (i >> 1)] >> 4);
  const set = (i: number, v: number): void => {
    const b = bytes[at + (i >> 1)];
    bytes[at + (i >> 1)] = i & 1 ? (b & 0xf0) | v : (b & 15) | (v << 4);
  };
  const how = int(rand, 6);
  if (how === 0) {
    const i = int(rand, nibbles);
    const v = int(rand, 16);
    const old = get(i);
    set(i, v);
    return `table at ${at}: length ${i} ${old} -> ${v}`;
  }
  const v = how === 1 ? 1 + int(rand, 15) : how === 2 ? 15 : 0;
  for (let i = 0; i < nibbles; i++) set(i, how === 5 ? int(rand, 16) : v);
  if (how === 4) set(int(rand, nibbles), 1 + int(rand, 15));
  return `table at ${at} (${nibbles} lengths): ${['', 'all equal', 'all 15', 'all 0', 'one code', 'random'][how]}${how === 1 ? ` ${v}` : ''}`;
}
