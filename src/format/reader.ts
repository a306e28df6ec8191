// Reads .mote bytes back into the IR. It parses with the runtime's own reader (one
// reader for host and device) and rebuilds each tensor's explicit encoded form.
import type { CodebookEncoding, Encoding, Graph, Metadata, Op, StreamCoding, Value } from '../ir/types.js';
import { readContainer } from '../runtime/container.js';
import {
  CODING_FIXED,
  KIND_BINARY,
  KIND_CODEBOOK,
  KIND_FLOAT32,
  KIND_INT8,
  KIND_INT32,
  KIND_INT8_STREAM,
  readTensors,
  Stream,
  TensorInfo,
} from '../runtime/tensors.js';
import { readGraph } from '../runtime/graph.js';
import { NO_TENSOR } from '../runtime/ops.js';
import { opName } from '../runtime/registry.js';
import '../runtime/op/all.js';
import { readSymbols } from '../runtime/decode.js';
import { fail } from '../runtime/errors.js';
import { utf8 } from '../runtime/cursor.js';
import { fixedWidthFor } from './huffman.js';
import { readQuant, REQUANT_MODES } from '../runtime/quant.js';
import type { Requantize } from '../ir/types.js';
import { opFromAttrs } from './opattrs.js';
import { readExits } from '../runtime/exits.js';
import { exitPoints } from './exits.js';

export interface ParsedMote {
  graph: Graph;
  tensors: TensorInfo[];
  /** Byte length of each section's payload. */
  sectionBytes: Record<string, number>;
  versionMinor: number;
  /** Multiply-accumulates per inference, as the runtime counts them, in total and per op. */
  macs: number;
  opMacs: number[];
}

export function readMote(bytes: Uint8Array): Graph {
  return parseMote(bytes).graph;
}

export function parseMote(bytes: Uint8Array): ParsedMote {
  const s = readContainer(bytes);
  const infos = readTensors(bytes, s);
  const gi = readGraph(bytes, s, infos);
  const metaText = utf8(bytes, s.start.META, s.end.META, 'section META');
  let metadata: Metadata;
  try {
    metadata = JSON.parse(metaText) as Metadata;
  } catch {
    throw new Error(`mote: section META at byte ${s.start.META}: metadata is not valid JSON`);
  }
  const quant = readQuant(bytes, s, gi, infos);
  const values: Value[] = gi.values.map((v, i) =>
    quant?.isQ[i]
      ? { name: v.name, shape: v.shape, quant: { scale: quant.scale[i], zeroPoint: quant.zero[i] } }
      : { name: v.name, shape: v.shape },
  );
  const ops: Op[] = gi.ops.map((o) => {
    const tensorName = (i: number): string | undefined => (i === NO_TENSOR ? undefined : infos[i].name);
    return opFromAttrs(
      opName(o.code) as Op['op'],
      o.inputs.map((i) => values[i].name),
      values[o.output].name,
      { tensors: [tensorName(o.weight), tensorName(o.bias)], nums: o.p, list: o.list },
      values[o.output].shape,
    );
  });
  const inputSet = new Set(gi.inputs);
  const graph: Graph = {
    inputs: gi.inputs.map((i) => values[i]),
    outputs: gi.outputs.map((i) => values[i].name),
    values: values.filter((_, i) => !inputSet.has(i)),
    tensors: infos.map((t) => ({ name: t.name, shape: t.shape, encoding: encodingOf(bytes, t) })),
    ops,
    metadata,
  };
  if (quant) graph.requantize = REQUANT_MODES[quant.mode] as Requantize;
  const exits = readExits(bytes, s, gi);
  if (exits.length) graph.exits = exitPoints(exits, (i) => values[i].name);
  const sectionBytes: Record<string, number> = {};
  for (const tag of Object.keys(s.start)) sectionBytes[tag] = s.end[tag] - s.start[tag];
  const macs = gi.ops.reduce((a, o) => a + o.macs, 0);
  return {
    graph,
    tensors: infos,
    sectionBytes,
    versionMinor: s.versionMinor,
    macs,
    opMacs: gi.ops.map((o) => o.macs),
  };
}

/**
 * The IR coding of a stored stream: a fixed width of 8 where fewer bits would hold the
 * alphabet is 'byte' (the installed form), so write → read → write stays byte-identical.
 */
export function codingOf(s: Stream): StreamCoding {
  if (s.coding !== CODING_FIXED) return 'huffman';
  return s.width === 8 && fixedWidthFor(s.alphabet) < 8 ? 'byte' : 'fixed';
}

function codebookOf(bytes: Uint8Array, t: TensorInfo): CodebookEncoding {
  const s = t.index!;
  const where = `tensor '${t.name}' indices`;
  const indices = readSymbols(bytes, s, new Uint8Array(s.count), where);
  const bad = indices.findIndex((k) => k >= t.floats!.length);
  if (bad >= 0) fail(where, s.start, `index ${indices[bad]} beyond codebook of ${t.floats!.length}`);
  return { kind: 'codebook', codebook: Float32Array.from(t.floats!), indices, coding: codingOf(s) };
}

function encodingOf(bytes: Uint8Array, t: TensorInfo): Encoding {
  switch (t.kind) {
    case KIND_FLOAT32:
      return { kind: 'float32', data: Float32Array.from(t.floats!) };
    case KIND_INT8:
      return {
        kind: 'int8',
        axis: t.axis,
        scale: Float32Array.from(t.scale!),
        zeroPoint: Int8Array.from(t.zero!),
        values: Int8Array.from(t.q!),
      };
    case KIND_INT8_STREAM: {
      const s = t.index!;
      const values = new Int8Array(t.size);
      readSymbols(bytes, s, new Uint8Array(values.buffer), `tensor '${t.name}' values`);
      const scale = Float32Array.from(t.scale!);
      return {
        kind: 'int8',
        axis: t.axis,
        scale,
        zeroPoint: Int8Array.from(t.zero!),
        values,
        coding: codingOf(s),
      };
    }
    case KIND_INT32:
      return {
        kind: 'int32',
        axis: t.axis,
        scale: Float32Array.from(t.scale!),
        values: Int32Array.from(t.ints!),
      };
    case KIND_CODEBOOK:
      return codebookOf(bytes, t);
    case KIND_BINARY: {
      const signs = new Uint8Array(t.size);
      for (let i = 0; i < t.size; i++) signs[i] = (bytes[t.bitsAt + (i >> 3)] >> (7 - (i & 7))) & 1;
      return { kind: 'binary', scale: Float32Array.from(t.scale!), signs };
    }
    default: {
      const g = t.gaps!;
      const gaps = new Uint8Array(g.count);
      readSymbols(bytes, g, gaps, `tensor '${t.name}' gaps`);
      const values = t.index
        ? codebookOf(bytes, t)
        : { kind: 'float32' as const, data: Float32Array.from(t.floats!) };
      return { kind: 'sparse', gapBits: t.gapBits, gaps, gapCoding: codingOf(g), values };
    }
  }
}
