// What compression knows about a model between stages: its float graph (the values the
// stages train and the runtime will compute with), plus per weight tensor the pruning
// mask, the cluster table and assignments, or the quantization chosen. encode.ts turns
// this into the format's encodings.
import type { Graph, Tensor } from '../ir/types.js';
import type { Clusters } from './kmeans.js';
import { decodeWeights } from '../format/decode.js';

export type QuantMode = 'int8' | 'int4' | 'binary';

export interface Quantization {
  mode: QuantMode;
  /** One scale per output channel (axis 0) rather than one per tensor. */
  perChannel: boolean;
}

export interface CompressionState {
  /** Every tensor float32. */
  graph: Graph;
  /** 1 = kept, 0 = pruned, per weight tensor. */
  masks: Map<string, Uint8Array>;
  clusters: Map<string, Clusters>;
  quantized: Map<string, Quantization>;
}

/** A state with every tensor decoded to float32 and no compression yet. */
export function initialState(g: Graph): CompressionState {
  const tensors = g.tensors.map((t): Tensor => ({
    ...t,
    encoding: { kind: 'float32', data: Float32Array.from(decodeWeights(t)) },
  }));
  return { graph: { ...g, tensors }, masks: new Map(), clusters: new Map(), quantized: new Map() };
}

/** The float32 values of a tensor of a state's graph. */
export function floatsOf(g: Graph, name: string): Float32Array {
  const t = g.tensors.find((x) => x.name === name);
  if (!t) throw new Error(`mote: compress: no tensor '${name}'`);
  if (t.encoding.kind !== 'float32') return decodeWeights(t);
  return t.encoding.data;
}

/** A copy of `g` with the named tensors' float32 values replaced. */
export function withFloats(g: Graph, values: Map<string, Float32Array>): Graph {
  return {
    ...g,
    tensors: g.tensors.map((t): Tensor => {
      const v = values.get(t.name);
      return v ? { ...t, encoding: { kind: 'float32', data: v } } : t;
    }),
  };
}

/** Weight tensors of dense and conv ops, in op order, with the op's output as the layer name. */
export function weightLayers(
  g: Graph,
): { layer: string; weight: string; bias?: string; op: 'dense' | 'conv2d' }[] {
  const out: { layer: string; weight: string; bias?: string; op: 'dense' | 'conv2d' }[] = [];
  for (const op of g.ops)
    if (op.op === 'dense' || op.op === 'conv2d')
      out.push({ layer: op.output, weight: op.weight, bias: op.bias, op: op.op });
  return out;
}

/**
 * Resolves a per-layer setting: `spec` is one value for every layer, or an object keyed
 * by layer name (the op's output, e.g. 'fc1'), weight tensor name, or layer kind
 * ('dense', 'conv2d'), with 'default' for the rest. Unknown keys are an error.
 */
export function perLayer<T>(g: Graph, spec: T | Record<string, T>, what: string): Map<string, T> {
  const layers = weightLayers(g);
  const out = new Map<string, T>();
  if (typeof spec !== 'object' || spec === null) {
    for (const l of layers) out.set(l.weight, spec as T);
    return out;
  }
  const table = spec as Record<string, T>;
  const known = new Set(['default', 'dense', 'conv2d', ...layers.flatMap((l) => [l.layer, l.weight])]);
  const unknown = Object.keys(table).filter((k) => !known.has(k));
  if (unknown.length)
    throw new Error(
      `mote: compress: ${what}: unknown layer ${unknown.map((k) => `'${k}'`).join(', ')} (layers: ${layers.map((l) => l.layer).join(', ')})`,
    );
  for (const l of layers) {
    const v = table[l.layer] ?? table[l.weight] ?? table[l.op] ?? table.default;
    if (v !== undefined) out.set(l.weight, v);
  }
  return out;
}
