// Small seeded graphs for tests: an MLP whose weight matrices can be given any encoding.
import type { Encoding, Graph, Op, Tensor, Value } from '../../src/ir/types.js';
import { mulberry32 } from '../../src/data/prng.js';

/** Seeded weights in [-1, 1), with a fraction `zeros` set exactly to 0. */
export function randomWeights(n: number, seed: number, zeros = 0): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n }, () => {
    const v = rand() * 2 - 1;
    return rand() < zeros ? 0 : v;
  });
}

/**
 * Dense layers of the given sizes with ReLU between them and softmax at the end.
 * `encode` picks each weight matrix's encoding from its float values.
 */
export function mlp(
  sizes: number[],
  seed: number,
  encode: (w: Float32Array, shape: number[], layer: number) => Encoding = (w) => ({
    kind: 'float32',
    data: w,
  }),
): Graph {
  const tensors: Tensor[] = [];
  const ops: Op[] = [];
  const values: Value[] = [];
  let input = 'x';
  for (let l = 0; l + 1 < sizes.length; l++) {
    const shape = [sizes[l + 1], sizes[l]];
    const w = randomWeights(shape[0] * shape[1], seed + l);
    tensors.push({ name: `fc${l}.weight`, shape, encoding: encode(w, shape, l) });
    tensors.push({
      name: `fc${l}.bias`,
      shape: [sizes[l + 1]],
      encoding: { kind: 'float32', data: randomWeights(sizes[l + 1], seed + 100 + l) },
    });
    ops.push({ op: 'dense', input, output: `fc${l}`, weight: `fc${l}.weight`, bias: `fc${l}.bias` });
    values.push({ name: `fc${l}`, shape: [sizes[l + 1]] });
    const last = l + 2 === sizes.length;
    const act = last ? 'softmax' : 'relu';
    ops.push({ op: act, input: `fc${l}`, output: `fc${l}.${act}` });
    values.push({ name: `fc${l}.${act}`, shape: [sizes[l + 1]] });
    input = `fc${l}.${act}`;
  }
  return {
    inputs: [{ name: 'x', shape: [sizes[0]] }],
    outputs: [input],
    values,
    tensors,
    ops,
    metadata: { name: 'test-mlp', labels: sizes.length ? undefined : [] },
  };
}
