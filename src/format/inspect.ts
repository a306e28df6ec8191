// What a .mote file holds: per-tensor encoding, bits per weight, bytes by section,
// and the compression ratio against storing every weight as float32.
import type { Op, StreamCoding } from '../ir/types.js';
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

/** One op: what it computes, its output shape, its work and its attributes in brief. */
export interface OpReport {
  op: string;
  output: string;
  shape: number[];
  macs: number;
  /** e.g. "3x3 /2 pad 1,1,1,1 g=16 clip 0..6", "perm 2,0,1"; empty when the op has no attributes. */
  detail: string;
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
  /** Per op, in order. */
  layers: OpReport[];
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
    layers: p.graph.ops.map((op, i) => ({
      op: op.op,
      output: op.output,
      shape: [...p.graph.inputs, ...p.graph.values].find((v) => v.name === op.output)!.shape,
      macs: p.opMacs[i],
      detail: opDetail(op, p.graph.tensors),
    })),
    inputs: p.graph.inputs,
    outputs: p.graph.outputs,
    macs: p.macs,
    metadata: p.graph.metadata as Record<string, unknown>,
  };
}

/** A short text of an op's attributes, for the per-op table. */
function opDetail(op: Op, tensors: { name: string; shape: number[] }[]): string {
  const pads = (p: number[]) => (p.some((v) => v) ? ` pad ${p.join(',')}` : '');
  const dil = (d: number[]) => (d[0] > 1 || d[1] > 1 ? ` dil ${d.join(',')}` : '');
  const stride = (s: number[]) => (s[0] > 1 || s[1] > 1 ? ` /${s[0] === s[1] ? s[0] : s.join(',')}` : '');
  switch (op.op) {
    case 'conv2d': {
      const w = tensors.find((t) => t.name === op.weight)!.shape;
      return (
        `${w[1]}x${w[2]}${stride(op.strides)}${pads(op.pads)}${dil(op.dilations)}` +
        (op.groups > 1 ? ` g=${op.groups}` : '') +
        (op.clip ? ` clip ${op.clip[0]}..${op.clip[1]}` : '')
      );
    }
    case 'maxpool':
    case 'avgpool':
      return `${op.kernel.join('x')}${stride(op.strides)}${pads(op.pads)}${dil(op.dilations)}${op.countIncludePad ? ' count pads' : ''}`;
    case 'add':
    case 'mul':
      return op.constant ? `constant ${op.constant}` : `with ${op.other}`;
    case 'concat':
      return `axis ${op.axis} of ${1 + op.others.length}`;
    case 'pad':
      return `begins ${op.begins.join(',')} value ${op.value}`;
    case 'transpose':
      return `perm ${op.perm.join(',')}`;
    case 'reducemean':
      return `axes ${op.axes.join(',')}`;
    case 'leakyrelu':
    case 'elu':
      return `alpha ${op.alpha}`;
    case 'clip':
      return `${op.min}..${op.max}`;
    default:
      return '';
  }
}
