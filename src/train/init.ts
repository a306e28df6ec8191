// Fresh weights for a graph's layers: Glorot-uniform weights (TF.js's default for Dense
// and Conv2D) and zero biases, seeded, so an experiment can start from a known init.
import type { Graph, Tensor } from '../ir/types.js';
import { mulberry32 } from '../data/prng.js';
import { paramNames } from './forward.js';

/** Fan-in and fan-out of an IR weight: dense [out, in]; conv [outC, kH, kW, inC]. */
function fans(shape: number[]): [number, number] {
  if (shape.length === 2) return [shape[1], shape[0]];
  const field = shape.slice(1, -1).reduce((a, b) => a * b, 1);
  return [field * shape[shape.length - 1], field * shape[0]];
}

export function glorotInit(g: Graph, seed: number): Graph {
  const { weights, biases } = paramNames(g);
  const w = new Set(weights);
  const b = new Set(biases);
  const rand = mulberry32(seed);
  const tensors = g.tensors.map((t): Tensor => {
    const n = t.shape.reduce((x, y) => x * y, 1);
    if (b.has(t.name)) return { ...t, encoding: { kind: 'float32', data: new Float32Array(n) } };
    if (!w.has(t.name)) return t;
    const [fanIn, fanOut] = fans(t.shape);
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return {
      ...t,
      encoding: { kind: 'float32', data: Float32Array.from({ length: n }, () => (rand() * 2 - 1) * limit) },
    };
  });
  return { ...g, tensors };
}
