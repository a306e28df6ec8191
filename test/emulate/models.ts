// Models for the emulate/fit tests: a small clustered MLP, models too big for a watch,
// and the bundled digits model compressed as in the demo.
import * as path from 'node:path';
import { writeMote } from '../../src/format/writer.js';
import { toCodebook } from '../../src/compress/sparse.js';
import { compressGraph } from '../../src/compress/pipeline.js';
import { importTfjsLayersFile } from '../../src/import/tfjs/layers.js';
import { ROOT } from '../../src/build/paths.js';
import { mulberry32 } from '../../src/data/prng.js';
import type { Encoding } from '../../src/ir/types.js';
import { mlp } from '../helpers/graphs.js';

/** Dense 32→16 relu → 16→4 softmax, weights in 3-bit Huffman-coded clusters. */
export function smallModel(): Uint8Array {
  return writeMote(mlp([32, 16, 4], 7, (w) => toCodebook(w, 3)));
}

/** A codebook layer of out×in weights (random 3-bit indices, fixed-width), then softmax. */
export function codebookModel(inN: number, outN: number): Uint8Array {
  const rand = mulberry32(11);
  const codebook = Float32Array.from({ length: 8 }, (_, i) => (i - 3.5) / 8);
  const encode = (w: Float32Array): Encoding => ({
    kind: 'codebook',
    codebook,
    indices: Uint8Array.from(w, () => Math.floor(rand() * 8)),
    coding: 'fixed',
  });
  return writeMote(mlp([inN, outN], 3, encode));
}

/** One float32 dense layer of out×in weights, then softmax. */
export function float32Model(inN: number, outN: number): Uint8Array {
  return writeMote(mlp([inN, outN], 5));
}

let digits: Promise<Uint8Array> | undefined;

/** models/digits-mlp with 3-bit clusters (the demo's recipe). */
export function digitsModel(): Promise<Uint8Array> {
  return (digits ??= importTfjsLayersFile(path.join(ROOT, 'models/digits-mlp/model.json'), {
    labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  }).then((g) => writeMote(compressGraph(g, { clusterBits: 3 }))));
}

/** 60,000 values in and out: 240 KB of activations (the sigmoid runs in place) from a file of a few hundred bytes. */
export function activationHeavyModel(): Uint8Array {
  return writeMote({
    inputs: [{ name: 'x', shape: [60000] }],
    outputs: ['y'],
    values: [{ name: 'y', shape: [60000] }],
    tensors: [],
    ops: [{ op: 'sigmoid', input: 'x', output: 'y' }],
    metadata: { name: 'too-big' },
  });
}
