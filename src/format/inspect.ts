// What a .mote file holds: per-tensor encoding, bits per weight, bytes by section,
// and the compression ratio against storing every weight as float32.
import type { StreamCoding } from '../ir/types.js';
import { codingOf, parseMote } from './reader.js';
import { KIND_NAMES, Stream, TensorInfo } from '../runtime/tensors.js';

export interface StreamReport {
  /** 'byte': 8 bits per symbol where fewer would do (the form plan 'install' reads). */
  coding: StreamCoding;
  symbols: number;
  alphabet: number;
  /** Payload bits per symbol (Huffman: the mean code length actually achieved). */
  bitsPerSymbol: number;
}

export interface TensorReport {
  name: string;
  shape: number[];
  encoding: string;
  weights: number;
  bytes: number;
  bitsPerWeight: number;
  /** float32 bytes / stored bytes. */
  ratio: number;
  /** Fraction of weights with no stored entry (sparse only; fillers count as stored). */
  sparsity?: number;
  codebookSize?: number;
  indices?: StreamReport;
  gaps?: StreamReport;
}

export interface InspectReport {
  fileBytes: number;
  version: string;
  sections: Record<string, number>;
  weights: number;
  float32Bytes: number;
  /** float32 bytes of all weights / the whole file's bytes. */
  ratio: number;
  tensors: TensorReport[];
  ops: string[];
  inputs: { name: string; shape: number[] }[];
  outputs: string[];
  macs: number;
  metadata: Record<string, unknown>;
}

function streamReport(s: Stream): StreamReport {
  return {
    coding: codingOf(s),
    symbols: s.count,
    alphabet: s.alphabet,
    bitsPerSymbol: s.count ? ((s.end - s.start) * 8) / s.count : 0,
  };
}

function tensorReport(t: TensorInfo): TensorReport {
  const bytes = t.end - t.start;
  const r: TensorReport = {
    name: t.name,
    shape: t.shape,
    encoding: KIND_NAMES[t.kind],
    weights: t.size,
    bytes,
    bitsPerWeight: (bytes * 8) / t.size,
    ratio: (t.size * 4) / bytes,
  };
  if (t.floats && t.index) r.codebookSize = t.floats.length;
  if (t.index) r.indices = streamReport(t.index);
  if (t.gaps) {
    r.gaps = streamReport(t.gaps);
    r.sparsity = 1 - t.gaps.count / t.size;
  }
  return r;
}

export function inspect(bytes: Uint8Array): InspectReport {
  const p = parseMote(bytes);
  const tensors = p.tensors.map(tensorReport);
  const weights = tensors.reduce((a, t) => a + t.weights, 0);
  return {
    fileBytes: bytes.length,
    version: `1.${p.versionMinor}`,
    sections: p.sectionBytes,
    weights,
    float32Bytes: weights * 4,
    ratio: (weights * 4) / bytes.length,
    tensors,
    ops: p.graph.ops.map((op) => op.op),
    inputs: p.graph.inputs,
    outputs: p.graph.outputs,
    macs: p.macs,
    metadata: p.graph.metadata as Record<string, unknown>,
  };
}
