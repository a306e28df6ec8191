import { describe, expect, it } from 'vitest';
import { encodeFixed, encodeHuffman, huffmanCodeLengths } from '../../src/format/huffman.js';
import { huffmanTable } from '../../src/runtime/huffman.js';
import { packedTable, readPacked } from '../../src/runtime/packed-codes.js';
import { symbolReader } from '../../src/runtime/symbols.js';

/** Deterministic skewed symbols: a few frequent ones, a long tail (codes past 8 bits). */
function skewed(n: number, alphabet: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const u = s / 2 ** 32;
    out[i] = Math.min(alphabet - 1, Math.floor(-Math.log2(1 - u) * 1.5));
  }
  return out;
}

/** The expected form: `bits`-bit codes, MSB first, each row zero-padded to `rowBytes`. */
function pack(symbols: Uint8Array, rowLength: number, bits: number, rowBytes: number): Uint8Array {
  const rows = symbols.length / rowLength;
  const out = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < rowLength; j++)
      for (let b = 0; b < bits; b++) {
        const bit = (symbols[r * rowLength + j] >> (bits - 1 - b)) & 1;
        const at = j * bits + b;
        out[r * rowBytes + (at >> 3)] |= bit << (7 - (at & 7));
      }
  return out;
}

function decodeRows(stream: Uint8Array, lengths: Uint8Array | null, width: number, opts: Opts): Uint8Array {
  const table = lengths ? huffmanTable(lengths, 'test', 0) : null;
  const r = symbolReader(stream, 0, stream.length, table, width, 'test stream');
  const packedT = table ? packedTable(table, opts.bits, opts.limit) : null;
  const out = new Uint8Array(opts.rows * opts.rowBytes);
  const scratch = new Uint8Array(opts.rowLength);
  for (let k = 0; k < opts.rows; k++)
    readPacked(
      r,
      packedT,
      opts.bits,
      opts.limit,
      out.subarray(k * opts.rowBytes, (k + 1) * opts.rowBytes),
      opts.rowLength,
      scratch,
    );
  return out;
}

interface Opts {
  rows: number;
  rowLength: number;
  bits: number;
  rowBytes: number;
  limit: number;
}

describe('Huffman codes decoded straight into packed rows', () => {
  for (const [alphabet, bits, rowLength] of [
    [8, 3, 784],
    [16, 4, 27],
    [5, 3, 13],
    [2, 1, 9],
    [32, 5, 100],
  ] as const) {
    it(`${alphabet} clusters, ${bits}-bit codes, rows of ${rowLength} (rows end mid-lookup)`, () => {
      const rows = 7;
      const symbols = skewed(rows * rowLength, alphabet, alphabet * 31 + rowLength);
      const freqs = new Uint32Array(alphabet);
      for (const s of symbols) freqs[s]++;
      for (let s = 0; s < alphabet; s++) freqs[s] ||= 1;
      const lengths = huffmanCodeLengths(freqs);
      const rowBytes = (((rowLength * bits + 31) >> 5) * 4) as number;
      const opts = { rows, rowLength, bits, rowBytes, limit: alphabet };
      const want = pack(symbols, rowLength, bits, rowBytes);
      expect(decodeRows(encodeHuffman(symbols, lengths), lengths, 0, opts)).toEqual(want);
      expect(decodeRows(encodeFixed(symbols, bits), null, bits, opts)).toEqual(want);
    });
  }

  it('decodes codes longer than 8 bits (the one-symbol path)', () => {
    // Lengths 1, 2, ..., 11, 11: the rare symbols need more than one table byte.
    const lengths = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11]);
    const symbols = new Uint8Array(240).map((_, i) => (i % 5 === 0 ? 11 - (i % 12) : i % 3));
    const opts = { rows: 3, rowLength: 80, bits: 4, rowBytes: 40, limit: 12 };
    expect(decodeRows(encodeHuffman(symbols, lengths), lengths, 0, opts)).toEqual(pack(symbols, 80, 4, 40));
  });

  it('refuses a symbol past the codebook, naming the stream', () => {
    const lengths = new Uint8Array([1, 2, 3, 3]);
    const symbols = new Uint8Array([0, 1, 0, 3, 0, 2]);
    const opts = { rows: 1, rowLength: 6, bits: 2, rowBytes: 4, limit: 3 };
    expect(() => decodeRows(encodeHuffman(symbols, lengths), lengths, 0, opts)).toThrow(
      /test stream.*index 3 beyond codebook of 3/,
    );
    expect(() => decodeRows(encodeFixed(symbols, 2), null, 2, opts)).toThrow(/index 3 beyond codebook of 3/);
  });

  it('fails on a stream that ends early', () => {
    const lengths = new Uint8Array([1, 2, 3, 3]);
    const symbols = new Uint8Array(40).fill(3);
    const stream = encodeHuffman(symbols, lengths).subarray(0, 5);
    const opts = { rows: 1, rowLength: 40, bits: 2, rowBytes: 12, limit: 4 };
    expect(() => decodeRows(stream, lengths, 0, opts)).toThrow(/stream ends inside a symbol/);
  });
});
