// Quantization as a pipeline stage: the chosen layers' weights become their int8, int4 or
// binary values (so later stages and the accuracy report see what the runtime will
// compute), and encode.ts stores them in that form.
import { decodeWeights } from '../format/decode.js';
import { toBinary, toInt4, toInt8 } from './quantize.js';
import { floatsOf, perLayer, withFloats, type CompressionState, type QuantMode } from './state.js';

export interface QuantizeOptions {
  mode: QuantMode | Record<string, QuantMode>;
  /** One scale per output channel (default true). */
  perChannel?: boolean;
}

export function quantizeStage(state: CompressionState, opts: QuantizeOptions): CompressionState {
  const modes = perLayer(state.graph, opts.mode, 'quantize.mode');
  const perChannel = opts.perChannel ?? true;
  const quantized = new Map(state.quantized);
  const values = new Map<string, Float32Array>();
  const clusters = new Map(state.clusters);
  for (const [name, mode] of modes) {
    if (!['int8', 'int4', 'binary'].includes(mode))
      throw new Error(`mote: quantize: mode of '${name}' is '${mode}' (expected int8, int4 or binary)`);
    const t = state.graph.tensors.find((x) => x.name === name)!;
    const w = floatsOf(state.graph, name);
    const axis = perChannel ? 0 : -1;
    const e =
      mode === 'binary'
        ? toBinary(w, t.shape)
        : mode === 'int4'
          ? toInt4(w, t.shape, axis)
          : toInt8(w, t.shape, axis);
    values.set(name, Float32Array.from(decodeWeights({ ...t, encoding: e })));
    quantized.set(name, { mode, perChannel });
    clusters.delete(name);
  }
  return { ...state, graph: withFloats(state.graph, values), quantized, clusters };
}
