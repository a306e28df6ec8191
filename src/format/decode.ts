// Float values of an IR tensor, decoded by the runtime itself from the tensor's
// stored blob, so host and device can never disagree on what an encoding means.
import type { Tensor } from '../ir/types.js';
import { encodeBlob } from './writer.js';
import { KIND_NAMES, tensorInfo } from '../runtime/tensors.js';
import { decodeTensor } from '../runtime/decode.js';

export function decodeWeights(t: Tensor): Float32Array {
  if (t.encoding.kind === 'float32') return t.encoding.data;
  const blob = encodeBlob(t);
  const info = tensorInfo(blob, t.name, t.shape, KIND_NAMES.indexOf(t.encoding.kind), 0, blob.length);
  const out = new Float32Array(info.size);
  decodeTensor(blob, info, out);
  return out;
}
