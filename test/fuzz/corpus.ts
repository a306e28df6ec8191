// A small corpus of valid .mote files for the fuzzer: one tiny graph (reshape → dense
// 16→8 → relu → dense 8→4 → softmax) written with every weight encoding, plus a map of
// each file's structural fields so mutators can aim at headers rather than weight bytes.
import type { Encoding, Graph, Metadata, Tensor } from '../../src/ir/types.js';
import { writeMote } from '../../src/format/writer.js';
import { mulberry32 } from '../../src/data/prng.js';
import { toCodebook, toSparse } from '../../src/compress/sparse.js';
import { toBinary, toInt8 } from '../../src/compress/quantize.js';
import { compressGraph } from '../../src/compress/pipeline.js';
import { convCorpusGraphs } from './corpus-ops.js';
import { readContainer } from '../../src/runtime/container.js';
import { readTensors } from '../../src/runtime/tensors.js';
import { layout, streamHeaderAt, type Layout } from './layout.js';
import { extraCorpusGraphs } from './corpus-extra.js';

export { streamHeaderAt };

export interface CorpusFile {
  name: string;
  bytes: Uint8Array;
  /** Byte ranges [start, end) that hold structure (headers, tables, stream headers). */
  hot: [number, number][];
  /** Where each kind of field sits (structure-aware mutators aim there). */
  layout: Layout;
}

type Encode = (w: Float32Array, shape: number[], layer: number) => Encoding;

/** Seeded weights in [-1, 1); `keep` < 1 zeros the rest, with one long zero run. */
function weights(n: number, rand: () => number, keep = 1): Float32Array {
  const w = Float32Array.from({ length: n }, () => {
    const v = rand() * 2 - 1;
    return rand() < keep ? v : 0;
  });
  if (keep < 1) {
    // A run of zeros longer than any gap width used below, so fillers are needed.
    w.fill(0, Math.floor(n / 4), Math.floor(n / 4) + Math.min(40, Math.floor(n / 2)));
    // Keep at least one real non-zero so clustering has something to work with.
    w[n - 1] = 0.5;
  }
  return w;
}

/** x [4,4] → reshape [16] → dense [8,16] → relu → dense [4,8] → softmax. */
function model(seed: number, encodeWeight: Encode, encodeBias?: Encode, metadata?: Metadata): Graph {
  const rand = mulberry32(seed);
  const sparse = seed % 2 === 1;
  const tensors: Tensor[] = [];
  const layers: [number, number][] = [
    [8, 16],
    [4, 8],
  ];
  layers.forEach((shape, l) => {
    const w = weights(shape[0] * shape[1], rand, sparse ? 0.2 : 1);
    const b = weights(shape[0], rand);
    tensors.push({ name: `fc${l}.weight`, shape, encoding: encodeWeight(w, shape, l) });
    tensors.push({
      name: `fc${l}.bias`,
      shape: [shape[0]],
      encoding: encodeBias ? encodeBias(b, [shape[0]], l) : { kind: 'float32', data: b },
    });
  });
  return {
    inputs: [{ name: 'x', shape: [4, 4] }],
    outputs: ['prob'],
    values: [
      { name: 'flat', shape: [16] },
      { name: 'fc0', shape: [8] },
      { name: 'fc0.relu', shape: [8] },
      { name: 'fc1', shape: [4] },
      { name: 'prob', shape: [4] },
    ],
    tensors,
    ops: [
      { op: 'reshape', input: 'x', output: 'flat', shape: [16] },
      { op: 'dense', input: 'flat', output: 'fc0', weight: 'fc0.weight', bias: 'fc0.bias' },
      { op: 'relu', input: 'fc0', output: 'fc0.relu' },
      { op: 'dense', input: 'fc0.relu', output: 'fc1', weight: 'fc1.weight', bias: 'fc1.bias' },
      { op: 'softmax', input: 'fc1', output: 'prob' },
    ],
    metadata: metadata ?? { name: 'fuzz' },
  };
}

const normalized: Metadata = {
  name: 'fuzz-norm',
  labels: ['a', 'b', 'c', 'd'],
  normalization: { mean: [0.1, 0.2, 0.3, 0.4], std: [1, 2, 0.5, 1] },
  extra: { tool: 'fuzz' },
};

/** The graphs of the corpus, by name. Odd seeds get mostly-zero weights (for sparse). */
export function corpusGraphs(seed = 1): [string, Graph][] {
  const s = seed * 2;
  return [
    ['float32', model(s, (w) => ({ kind: 'float32', data: w }))],
    ['int8-tensor', model(s + 2, (w, sh) => toInt8(w, sh, -1))],
    ['int8-channel', model(s + 4, (w, sh) => toInt8(w, sh, 0), undefined, normalized)],
    ['codebook-fixed', model(s + 6, (w) => toCodebook(w, 3, 'fixed'))],
    ['codebook-huffman', model(s + 8, (w) => toCodebook(w, 4, 'huffman'))],
    ['sparse-f32-fixed', model(s + 1, (w) => toSparse(w, { gapBits: 2, coding: 'fixed' }))],
    ['sparse-f32-huffman', model(s + 3, (w) => toSparse(w, { gapBits: 3, coding: 'huffman' }))],
    ['sparse-cb-fixed', model(s + 5, (w) => toSparse(w, { gapBits: 2, clusterBits: 3, coding: 'fixed' }))],
    [
      'sparse-cb-huffman',
      model(
        s + 7,
        (w) => toSparse(w, { gapBits: 3, clusterBits: 2, coding: 'huffman' }),
        undefined,
        normalized,
      ),
    ],
    ['binary', model(s + 10, (w, sh) => toBinary(w, sh))],
    // Compressed biases are decoded at load (resident), a different path from weights.
    [
      'mixed-a',
      model(
        s + 9,
        (w, sh, l) =>
          l === 0 ? toSparse(w, { gapBits: 1, clusterBits: 3, coding: 'huffman' }) : toInt8(w, sh, 0),
        (b, sh, l) => (l === 0 ? toCodebook(b, 2, 'huffman') : toInt8(b, sh, -1)),
        normalized,
      ),
    ],
    [
      'mixed-b',
      model(
        s + 12,
        (w, sh, l) => (l === 0 ? toBinary(w, sh) : toCodebook(w, 2, 'fixed')),
        (b, sh, l) => (l === 0 ? toSparse(b, { gapBits: 1, coding: 'fixed' }) : toBinary(b, sh)),
      ),
    ],
    ...convCorpusGraphs(s),
    ...extraCorpusGraphs(
      s,
      model(s + 13, (w) => toCodebook(w, 4, 'huffman')),
    ),
    [
      'pipeline',
      compressGraph(
        model(s + 11, (w) => ({ kind: 'float32', data: w })),
        {
          prune: 0.8,
          clusterBits: 3,
          gapBits: 2,
          coding: 'huffman',
        },
      ),
    ],
  ];
}

export function buildCorpus(seed = 1): CorpusFile[] {
  return corpusGraphs(seed).map(([name, g]) => {
    const bytes = writeMote(g);
    return { name, bytes, hot: hotRanges(bytes), layout: layout(bytes) };
  });
}

/** Where each tensor descriptor's fields sit in the TENS section (absolute offsets). */
export interface TensorFields {
  name: string;
  rankAt: number;
  dimsAt: number[];
  kindAt: number;
  offsetAt: number;
  lengthAt: number;
}

export function tensorFields(bytes: Uint8Array): TensorFields[] {
  const s = readContainer(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = s.start.TENS;
  const n = view.getUint32(p, true);
  p += 4;
  const out: TensorFields[] = [];
  for (let i = 0; i < n; i++) {
    const len = view.getUint16(p, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 2, p + 2 + len));
    p += 2 + len;
    const rankAt = p;
    const rank = bytes[p++];
    const dimsAt: number[] = [];
    for (let d = 0; d < rank; d++, p += 4) dimsAt.push(p);
    const kindAt = p++;
    out.push({ name, rankAt, dimsAt, kindAt, offsetAt: p, lengthAt: p + 4 });
    p += 8;
  }
  return out;
}

/** Structural byte ranges of a valid file: header, section headers, TENS, GRPH, blob and stream headers. */
export function hotRanges(bytes: Uint8Array): [number, number][] {
  const s = readContainer(bytes);
  const hot: [number, number][] = [[0, 16]];
  for (const tag of Object.keys(s.start)) hot.push([s.start[tag] - 8, s.start[tag]]);
  hot.push([s.start.TENS, s.end.TENS], [s.start.GRPH, s.end.GRPH]);
  for (const t of readTensors(bytes, s)) {
    hot.push([t.start, Math.min(t.end, t.start + 8)]);
    for (const st of [t.index, t.gaps]) if (st) hot.push([streamHeaderAt(st), st.start]);
  }
  return hot;
}
