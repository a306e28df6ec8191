// int8 activations as a recipe stage (the last one): the state's float graph becomes the
// full-integer graph. Weights pruned or clustered by earlier stages are stored as
// Huffman-coded int8 streams (lossless over the int8 values, src/compress/int8.ts), so
// their zeros and few distinct values still shrink the file.
import type { StreamCoding } from '../ir/types.js';
import type { Dataset } from '../data/digits.js';
import { quantizeActivations } from './int8-activations.js';
import { compressInt8Weights } from './int8.js';
import { weightLayers, type CompressionState } from './state.js';
import type { Stage } from './recipe.js';

export function int8ActivationsStage(
  state: CompressionState,
  stage: Extract<Stage, { kind: 'quantize' }>,
  calibration: Dataset,
  coding: StreamCoding,
): CompressionState {
  let graph = quantizeActivations(state.graph, {
    calibration,
    samples: stage.calibration,
    requantize: stage.requantize,
  });
  if (state.masks.size || state.clusters.size) graph = compressInt8Weights(graph, { bits: 8, coding });
  const quantized = new Map(
    weightLayers(graph).map((l) => [l.weight, { mode: 'int8' as const, perChannel: true }]),
  );
  return { graph, masks: new Map(), clusters: new Map(), quantized };
}
