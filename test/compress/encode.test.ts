import { describe, expect, it } from 'vitest';
import { sparseCodebook, encodeTensor } from '../../src/compress/encode.js';
import { clusterTensor } from '../../src/compress/cluster-stage.js';
import { clusteredValues } from '../../src/train/loop.js';
import { initialState, floatsOf } from '../../src/compress/state.js';
import { pruneOnce } from '../../src/compress/iterative-prune.js';
import { decodeWeights } from '../../src/format/decode.js';
import { encodeBlob } from '../../src/format/writer.js';
import { mlp } from '../helpers/graphs.js';

describe('encoding a compression state', () => {
  it('bridges long zero runs with filler entries that decode to an exact 0', () => {
    const w = new Float32Array(40);
    w[0] = 0.5;
    w[20] = -0.25;
    w[39] = 0.75;
    const mask = Uint8Array.from(w, (v) => (v ? 1 : 0));
    const c = clusterTensor(w, 2, mask);
    const e = sparseCodebook(c, mask, 2, 'huffman');
    expect(e.gaps.length).toBeGreaterThan(3); // fillers were needed with 2-bit gaps
    expect(Array.from(e.values.kind === 'codebook' ? e.values.codebook : [])).toContain(0);
    const t = { name: 'w', shape: [4, 10], encoding: e };
    expect(Array.from(decodeWeights(t))).toEqual(Array.from(clusteredValues(c, mask)));
  });

  it("'auto' picks the relative-index width giving the fewest bytes", () => {
    const g = mlp([60, 20, 4], 3);
    let s = pruneOnce(initialState(g), new Map([['fc0.weight', 0.9]]));
    s = {
      ...s,
      clusters: new Map([
        ['fc0.weight', clusterTensor(floatsOf(s.graph, 'fc0.weight'), 4, s.masks.get('fc0.weight'))],
      ]),
    };
    const t = s.graph.tensors.find((x) => x.name === 'fc0.weight')!;
    const auto = encodeBlob({ ...t, encoding: encodeTensor(s, t) }).length;
    for (let b = 1; b <= 8; b++)
      expect(auto).toBeLessThanOrEqual(
        encodeBlob({ ...t, encoding: encodeTensor(s, t, { gapBits: b }) }).length,
      );
  });
});
