// Small seeded graphs for tests: an MLP whose weight matrices can be given any encoding,
// and a builder for graphs assembled op by op.
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

/** A graph assembled op by op: each op's output value gets the given shape. */
export class GraphBuilder {
  g: Graph;
  private seed = 1;
  constructor(name: string) {
    this.g = { inputs: [], outputs: [], values: [], tensors: [], ops: [], metadata: { name } };
  }
  input(name: string, shape: number[]): this {
    this.g.inputs.push({ name, shape });
    return this;
  }
  /** A constant of seeded weights (a fraction `zeros` exactly 0), float32 or encoded. */
  tensor(
    name: string,
    shape: number[],
    encoding?: (w: Float32Array, shape: number[]) => Encoding,
    zeros = 0,
  ): string {
    const w = randomWeights(
      shape.reduce((a, b) => a * b, 1),
      this.seed++,
      zeros,
    );
    this.g.tensors.push({
      name,
      shape,
      encoding: encoding ? encoding(w, shape) : { kind: 'float32', data: w },
    });
    return name;
  }
  op(op: Op, shape: number[]): this {
    this.g.ops.push(op);
    this.g.values.push({ name: op.output, shape } as Value);
    return this;
  }
  out(...names: string[]): Graph {
    this.g.outputs = names;
    return this.g;
  }
}
