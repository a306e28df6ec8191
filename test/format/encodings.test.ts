// Every tensor encoding round-trips through the .mote writer and reader bit-exactly,
// and decodes (in the runtime) to the values an independent decoder computes.
import { describe, expect, it } from 'vitest';
import type { Encoding, Graph } from '../../src/ir/types.js';
import { writeMote } from '../../src/format/writer.js';
import { readMote } from '../../src/format/reader.js';
import { decodeWeights } from '../../src/format/decode.js';
import { toCodebook, toSparse } from '../../src/compress/sparse.js';
import { toBinary, toInt8 } from '../../src/compress/quantize.js';
import { inspect } from '../../src/format/inspect.js';
import { mlp, randomWeights } from '../helpers/graphs.js';
import { referenceDecode } from '../helpers/reference.js';

const SHAPE = [24, 40];
const N = SHAPE[0] * SHAPE[1];

const cases: [string, (w: Float32Array) => Encoding][] = [
  ['float32', (w) => ({ kind: 'float32', data: w })],
  ['int8 per tensor', (w) => toInt8(w, SHAPE, -1)],
  ['int8 per output channel', (w) => toInt8(w, SHAPE, 0)],
  ['int8 per input channel', (w) => toInt8(w, SHAPE, 1)],
  ['codebook 4-bit huffman', (w) => toCodebook(w, 4, 'huffman')],
  ['codebook 3-bit fixed', (w) => toCodebook(w, 3, 'fixed')],
  ['codebook 8-bit huffman', (w) => toCodebook(w, 8, 'huffman')],
  ['codebook 1 cluster', (w) => toCodebook(w, 0, 'huffman')],
  ['sparse float32 values', (w) => toSparse(w, { gapBits: 3 })],
  ['sparse codebook huffman', (w) => toSparse(w, { gapBits: 2, clusterBits: 5 })],
  ['sparse codebook fixed', (w) => toSparse(w, { gapBits: 4, clusterBits: 8, coding: 'fixed' })],
  ['binary', (w) => toBinary(w, SHAPE)],
];

/** Weights with long zero runs, so that sparse encodings need filler entries. */
function sparseWeights(seed: number): Float32Array {
  const w = randomWeights(N, seed, 0.85);
  w.fill(0, 100, 180);
  w.fill(0, N - 50);
  return w;
}

function graphWith(e: Encoding): Graph {
  return mlp([SHAPE[1], SHAPE[0]], 1, () => e);
}

describe('tensor encodings', () => {
  for (const [name, make] of cases) {
    it(`${name}: write → read → write is byte-identical and decodes as the reference`, () => {
      const e = make(sparseWeights(7));
      const g = graphWith(e);
      const bytes = writeMote(g);
      const back = readMote(bytes);
      expect(back.tensors[0].encoding).toEqual(e);
      expect(back.tensors).toEqual(g.tensors);
      expect(back.ops).toEqual(g.ops);
      expect(Buffer.from(writeMote(back)).equals(Buffer.from(bytes))).toBe(true);
      const decoded = decodeWeights(back.tensors[0]);
      const expected = Float32Array.from(referenceDecode(e, SHAPE));
      expect(Array.from(decoded)).toEqual(Array.from(expected));
    });
  }

  it('sparse encodings bridge zero runs longer than the gap width with zero-valued fillers', () => {
    const w = sparseWeights(3);
    const e = toSparse(w, { gapBits: 2, clusterBits: 4 });
    if (e.kind !== 'sparse' || e.values.kind !== 'codebook') throw new Error('expected sparse codebook');
    const values = e.values;
    const fillers = Array.from(e.gaps).filter(
      (g, i) => g === 3 && values.codebook[values.indices[i]] === 0,
    ).length;
    expect(fillers).toBeGreaterThan(20);
    expect(
      Array.from(decodeWeights({ name: 'w', shape: SHAPE, encoding: e })).filter((v) => v !== 0).length,
    ).toBe(Array.from(w).filter((v) => v !== 0).length);
  });

  it('an all-zero tensor stores nothing but fillers and decodes to zeros', () => {
    const e = toSparse(new Float32Array(N), { gapBits: 8 });
    expect(e.gaps.length).toBe(Math.floor(N / 256));
    expect(decodeWeights({ name: 'w', shape: SHAPE, encoding: e }).every((v) => v === 0)).toBe(true);
  });

  it('the writer refuses encodings that disagree with their tensor', () => {
    const bad = (e: Encoding) => () => writeMote(graphWith(e));
    expect(bad({ kind: 'float32', data: new Float32Array(3) })).toThrow(
      /tensor 'fc0.weight' \(float32\): 3 values/,
    );
    expect(
      bad({
        kind: 'codebook',
        codebook: new Float32Array(2),
        indices: new Uint8Array(N).fill(2),
        coding: 'huffman',
      }),
    ).toThrow(/beyond the codebook/);
    expect(
      bad({
        kind: 'sparse',
        gapBits: 2,
        gaps: Uint8Array.of(9),
        gapCoding: 'fixed',
        values: { kind: 'float32', data: Float32Array.of(1) },
      }),
    ).toThrow(/gap 9 does not fit 2 bits/);
    expect(bad({ kind: 'binary', scale: new Float32Array(1), signs: new Uint8Array(N) })).toThrow(
      /needs 24 row scales/,
    );
  });

  it('metadata with quotes, backslashes, newlines and non-ASCII labels round-trips', () => {
    const g = graphWith({ kind: 'float32', data: randomWeights(N, 2) });
    g.metadata = {
      name: 'a "quoted"\\ name\n',
      labels: ['ünï', '日本', '😀', "'); evil()"],
      normalization: { mean: [0.5], std: [0.25] },
    };
    expect(readMote(writeMote(g)).metadata).toEqual(g.metadata);
  });

  it('Huffman coding makes skewed cluster indices smaller than fixed width, and inspect reports it', () => {
    // Most weights near zero: the middle clusters are frequent.
    const w = randomWeights(N, 5).map((v) => v * v * v);
    const huff = writeMote(graphWith(toCodebook(w, 5, 'huffman')));
    const fixed = writeMote(graphWith(toCodebook(w, 5, 'fixed')));
    expect(huff.length).toBeLessThan(fixed.length);
    const t = inspect(huff).tensors[0];
    expect(t.encoding).toBe('codebook');
    expect(t.indices!.coding).toBe('huffman');
    expect(t.indices!.bitsPerSymbol).toBeLessThan(5);
    expect(inspect(fixed).tensors[0].indices!.bitsPerSymbol).toBeCloseTo(5, 1);
  });
});
