// Deep Compression's stage-by-stage sizes of a committed compressed model: the same
// weights re-stored as pruning only (sparse, float32 values, fixed-width gaps), then
// + clustering (codebook indices, fixed width), then + Huffman (the file itself).
import type { Encoding, Graph, Tensor } from '../ir/types.js';
import { decodeWeights } from '../format/decode.js';
import { writeMote } from '../format/writer.js';

function restore(t: Tensor, how: 'prune' | 'cluster'): Encoding {
  const e = t.encoding;
  if (e.kind === 'sparse') {
    if (how === 'cluster') {
      const values = e.values.kind === 'codebook' ? { ...e.values, coding: 'fixed' as const } : e.values;
      return { ...e, gapCoding: 'fixed', values };
    }
    // Each entry's value as float32 (fillers included): what pruning alone stores.
    const dense = decodeWeights(t);
    let pos = -1;
    const data = Float32Array.from(e.gaps, (g) => dense[(pos += g + 1)]);
    return { ...e, gapCoding: 'fixed', values: { kind: 'float32', data } };
  }
  if (e.kind === 'codebook')
    return how === 'cluster' ? { ...e, coding: 'fixed' } : { kind: 'float32', data: decodeWeights(t) };
  return e;
}

export function stageSizes(g: Graph): { pruneOnly: number; clustered: number; huffman: number } {
  const variant = (how: 'prune' | 'cluster') =>
    writeMote({ ...g, tensors: g.tensors.map((t) => ({ ...t, encoding: restore(t, how) })) }).length;
  return { pruneOnly: variant('prune'), clustered: variant('cluster'), huffman: writeMote(g).length };
}
